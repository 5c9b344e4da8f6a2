import { notFound } from '../../lib/errors';
import { IMMUTABLE_CACHE_CONTROL, ifNoneMatchHit } from '../../lib/http-cache';
import { isUuid } from '../../lib/uuid';
import { imageForServing } from '../../services/images/manage';
import type { AppRouteHandler } from '../shared/request-context';
import type { getImage } from './images.routes';

const missing = () => notFound('IMAGE_NOT_FOUND', 'No such image.');

export const getImageHandler: AppRouteHandler<typeof getImage> = async (c) => {
  const { id } = c.req.valid('param');
  if (!isUuid(id)) throw missing();
  // The row, not just the object, decides: an orphaned object is never served.
  const image = await c.var.publicReads.run((db) => imageForServing(db, id.toLowerCase()));
  if (!image) throw missing();
  const etag = `"${image.sha256}"`;
  const caching = { ETag: etag, 'Cache-Control': IMMUTABLE_CACHE_CONTROL };
  if (ifNoneMatchHit(c.req.header('If-None-Match'), etag)) return c.body(null, 304, caching);
  const object = await c.env.IMAGES.get(image.r2Key);
  if (!object) throw missing();
  return c.body(object.body, 200, {
    ...caching,
    'Content-Type': image.contentType,
    'Content-Length': String(object.size),
    'Content-Disposition': 'inline',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
};
