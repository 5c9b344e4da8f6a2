export const MAX_IMAGES_PER_LISTING = 50;
export const MAX_IMAGE_PIXELS = 50_000_000;
/**
 * What decoding one photo may allocate (width × height × channels × bytes per sample): a 33 MP
 * RGB photo fits, a small file that inflates to a huge bitmap (a decompression bomb) does not.
 */
export const MAX_DECODED_BYTES = 100 * 1024 * 1024;

/** The R2 key of an image: chosen by the Worker, never by the client. */
export function imageKey(propertyId: string, imageId: string): string {
  return `properties/${propertyId}/${imageId}`;
}

/** The photo's id in its original's key (`imageKey`). */
export function imageIdOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export const IMAGE_KEY_PREFIX = 'properties/';
