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
  const image = await imageForServing(c.var.db, id.toLowerCase());
  if (!image) throw missing();
  const etag = `"${image.sha256}"`;
  const headers = new Headers({ ETag: etag, 'Cache-Control': IMMUTABLE_CACHE_CONTROL });
  if (ifNoneMatchHit(c.req.header('If-None-Match'), etag)) return new Response(null, { status: 304, headers }) as never;
  const object = await c.env.IMAGES.get(image.r2Key);
  if (!object) throw missing();
  headers.set('Content-Type', image.contentType);
  headers.set('Content-Length', String(object.size));
  headers.set('Content-Disposition', 'inline');
  headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
  return new Response(object.body, { status: 200, headers }) as never;
};
