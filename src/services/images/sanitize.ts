import { ApiError, serviceUnavailable } from '../../lib/errors';
import { exifOrientation, mayHaveAlpha, metadataIn, stripMetadata } from '../../lib/image-metadata';
import { type SniffedImage, sniffImage } from '../../lib/image-sniff';

export interface CleanImage extends SniffedImage {
  bytes: Uint8Array;
  hasAlpha: boolean;
  /** What was removed, for the log. */
  removed: string[];
  /** EXIF orientation that was applied to the pixels (1: none). */
  orientation: number;
}

type Orient = Pick<ImageTransform, 'rotate' | 'flip'>;

/**
 * The transforms that show the stored pixels the way EXIF Orientation told viewers to, in the
 * order they apply: clockwise rotation first, then a mirror.
 */
const ORIENT: Record<number, Orient[]> = {
  2: [{ flip: 'h' }],
  3: [{ rotate: 180 }],
  4: [{ flip: 'v' }],
  5: [{ rotate: 90 }, { flip: 'h' }],
  6: [{ rotate: 90 }],
  7: [{ rotate: 90 }, { flip: 'v' }],
  8: [{ rotate: 270 }],
};

const processingFailed = (detail: string, status: 422 | 503 = 422) =>
  status === 503
    ? serviceUnavailable('IMAGE_PROCESSING_UNAVAILABLE', 30, detail)
    : new ApiError({ code: 'IMAGE_PROCESSING_FAILED', detail });

const bytesOf = (result: ImageTransformationResult) =>
  new Response(result.image()).arrayBuffer().then((b) => new Uint8Array(b));

/** ImagesError codes 94xx and 9520 say the input was refused; anything else is the service. */
function refusedInput(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' && ((code >= 9400 && code < 9500) || code === 9520);
}

/**
 * An upload made fit to store: metadata removed (EXIF with GPS, XMP, IPTC, comments, text
 * chunks) and the EXIF orientation applied to the pixels, since it goes with the EXIF. The
 * containers are rewritten without a re-encode when they can be; a re-encode through the Images
 * binding happens only to rotate, or for an AVIF carrying metadata items. Whatever comes out is
 * checked again: bytes that still carry metadata are never returned, the upload fails instead
 * (nothing is stored).
 */
export async function sanitizeUpload(
  transforms: ImagesBinding,
  bytes: Uint8Array,
  sniffed: SniffedImage,
): Promise<CleanImage> {
  const type = sniffed.contentType;
  const orientation = exifOrientation(bytes, type);
  let stripped: ReturnType<typeof stripMetadata>;
  try {
    stripped = stripMetadata(bytes, type);
  } catch {
    throw processingFailed('The image container could not be rewritten without its metadata; nothing was stored.');
  }
  let out = stripped.bytes;
  const steps = ORIENT[orientation] ?? [];
  if (steps.length > 0 || stripped.needsReencode) {
    try {
      // The stripped bytes go in: no EXIF left for the service to auto-rotate a second time.
      let chain = transforms.input(new Blob([out]).stream());
      for (const step of steps) chain = chain.transform(step);
      out = await bytesOf(await chain.output({ format: type, quality: 90 }));
    } catch (error) {
      if (refusedInput(error)) throw processingFailed('The image could not be decoded; nothing was stored.');
      throw processingFailed('The image could not be processed right now; nothing was stored. Try again.', 503);
    }
    // The encoder may add its own EXIF (e.g. copyright) or text: strip the result too.
    try {
      out = stripMetadata(out, type).bytes;
    } catch {
      throw processingFailed('The processed image could not be checked; nothing was stored.', 503);
    }
  }
  const residual = metadataIn(out, type);
  if (residual.length > 0) {
    throw processingFailed(`The image's metadata (${residual.join(', ')}) could not be removed; nothing was stored.`);
  }
  const again = sniffImage(out);
  if (!again.ok || again.image.contentType !== type) {
    throw processingFailed('The processed image is not a valid image; nothing was stored.', 503);
  }
  return {
    ...again.image,
    bytes: out,
    hasAlpha: mayHaveAlpha(out, type),
    removed: stripped.removed,
    orientation,
  };
}
