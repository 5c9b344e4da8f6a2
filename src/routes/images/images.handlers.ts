import { notFound } from '../../lib/errors';
import {
  FALLBACK_CACHE_CONTROL,
  IMMUTABLE_CACHE_CONTROL,
  ifNoneMatchHit,
  PRIVATE_CACHE_CONTROL,
} from '../../lib/http-cache';
import { isUuid } from '../../lib/uuid';
import { callerHasRole } from '../../middleware/optional-auth';
import { imageForServing } from '../../services/images/manage';
import { cachedPhoto, keepPhoto, photoCacheKey } from '../../services/images/photo-edge-cache';
import { flagMissingObject, variantFor } from '../../services/images/variant-store';
import { negotiateFormat, storedWidth, type VariantWidth, variantEtag } from '../../services/images/variants';
import type { AppRouteHandler, RequestContext } from '../shared/request-context';
import type { getImage } from './images.routes';

const missing = () => notFound('IMAGE_NOT_FOUND', 'No such image.');

const SAFE_HEADERS = {
  'Content-Disposition': 'inline',
  'Content-Security-Policy': "default-src 'none'; sandbox",
};

/** The row says the object exists and R2 says it does not: 404, and the row goes to the sweep. */
function objectMissing(c: RequestContext, imageId: string) {
  c.var.logger.warn('R2 object missing behind an image row; flagged for the orphan sweep', { imageId });
  c.executionCtx.waitUntil(
    flagMissingObject(c.var.db, imageId).catch((error: unknown) =>
      c.var.logger.warn('could not flag the image row', {
        imageId,
        error: error instanceof Error ? error.message : String(error),
      }),
    ),
  );
  return missing();
}

export const getImageHandler: AppRouteHandler<typeof getImage> = async (c) => {
  const { id } = c.req.valid('param');
  const { w } = c.req.valid('query');
  if (!isUuid(id)) throw missing();
  const ifNoneMatch = c.req.header('If-None-Match');
  // Visitors' answers come from the edge cache when this location has one: no database, no R2.
  // Signed-in callers always reach the row, which is what lets staff see a draft's photos.
  const cacheKey = c.req.header('Authorization')
    ? null
    : photoCacheKey(new URL(c.req.url).origin, id, w === undefined ? undefined : Number(w), c.req.header('Accept'));
  const hit = cacheKey ? await cachedPhoto(cacheKey, ifNoneMatch) : null;
  if (hit) return hit;
  // The row, not just the object, decides: an orphaned object is never served.
  const image = await c.var.publicReads.run((db) => imageForServing(db, id.toLowerCase()));
  if (!image) throw missing();
  // A draft's photo exists only for staff: to anyone else it is exactly like a missing one.
  if (!image.isPublic && !(await callerHasRole(c, 'admin'))) throw missing();
  const cacheControl = image.isPublic ? IMMUTABLE_CACHE_CONTROL : PRIVATE_CACHE_CONTROL;
  // Only a public photo, asked for by a visitor, is kept for the next visitor.
  const keep = (response: Response) => {
    if (cacheKey && image.isPublic) keepPhoto(cacheKey, response, (p) => c.executionCtx.waitUntil(p));
    response.headers.set('X-Cache', 'MISS');
    return response;
  };

  if (w === undefined) {
    const etag = `"${image.sha256}"`;
    const caching = { ETag: etag, 'Cache-Control': cacheControl };
    if (ifNoneMatchHit(ifNoneMatch, etag)) return c.body(null, 304, caching);
    const object = await c.env.IMAGES.get(image.r2Key);
    if (!object) throw objectMissing(c, image.id);
    return keep(
      c.body(object.body, 200, {
        ...caching,
        ...SAFE_HEADERS,
        'Content-Type': image.contentType,
        'Content-Length': String(object.size),
      }),
    );
  }

  const width = storedWidth(Number(w) as VariantWidth, image.width);
  const format = negotiateFormat(c.req.header('Accept'), image.hasAlpha);
  const etag = variantEtag(image.sha256, width, format);
  const caching = {
    ETag: etag,
    'Cache-Control': cacheControl,
    Vary: image.isPublic ? 'Accept' : 'Accept, Authorization',
  };
  if (ifNoneMatchHit(ifNoneMatch, etag)) return c.body(null, 304, caching);
  const outcome = await variantFor(
    {
      bucket: c.env.IMAGES,
      transforms: c.env.IMAGE_TRANSFORMS,
      logger: c.var.logger,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
    },
    image,
    width,
    format,
  );
  if (outcome.kind === 'missing') throw objectMissing(c, image.id);
  if (outcome.kind === 'fallback') {
    return c.body(outcome.body, 200, {
      ETag: `"${image.sha256}"`,
      'Cache-Control': image.isPublic ? FALLBACK_CACHE_CONTROL : PRIVATE_CACHE_CONTROL,
      Vary: caching.Vary,
      ...SAFE_HEADERS,
      'Content-Type': outcome.contentType,
      'Content-Length': String(outcome.body.byteLength),
      'X-Image-Variant': 'fallback-original',
    });
  }
  return keep(
    c.body(outcome.body, 200, {
      ...caching,
      ...SAFE_HEADERS,
      'Content-Type': format,
      'Content-Length': String(outcome.size),
      'X-Image-Variant': outcome.made ? 'made' : 'stored',
    }),
  );
};
