export const MAX_IMAGES_PER_LISTING = 50;
export const MAX_IMAGE_PIXELS = 50_000_000;

/** The R2 key of an image: chosen by the Worker, never by the client. */
export function imageKey(propertyId: string, imageId: string): string {
  return `properties/${propertyId}/${imageId}`;
}

export const IMAGE_KEY_PREFIX = 'properties/';
