import { getConfig } from '../../env';
import { ApiError, badRequest, notFound, unprocessable } from '../../lib/errors';
import { imageIdOfKey } from '../../services/images/limits';
import { deleteImage as deleteImageRow, reorderImages, updateImage } from '../../services/images/manage';
import { purgePhotos } from '../../services/images/photo-edge-cache';
import { uploadImage } from '../../services/images/upload';
import { allVariantKeys } from '../../services/images/variants';
import { imageView } from '../../services/listings/serialize';
import { listingSlugs } from '../../services/listings/write';
import { purgeListingPages } from '../admin-listings/admin-listings.handlers';
import { imageBaseUrl } from '../listings/listings.handlers';
import { type AppRouteHandler, auditContext, type RequestContext } from '../shared/request-context';
import type {
  deleteImage,
  reorderImages as reorderRoute,
  updateImage as updateRoute,
  uploadImage as uploadRoute,
} from './admin-images.routes';
import { tooLarge } from './image-body-limit';

type C = RequestContext;

async function purgeListing(c: C, propertyId: string) {
  for (const listing of await listingSlugs(c.var.db, [propertyId])) await purgeListingPages(c, listing);
}

const isMultipart = (contentType: string | undefined) => /^multipart\/form-data/i.test(contentType ?? '');

async function readForm(c: C): Promise<FormData> {
  try {
    return await c.req.formData();
  } catch (error) {
    if (error instanceof ApiError) throw error; // e.g. the body limit's 413
    throw badRequest('MALFORMED_MULTIPART', 'The multipart body could not be parsed.');
  }
}

export const uploadHandler: AppRouteHandler<typeof uploadRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const max = getConfig(c.env).IMAGE_MAX_BYTES;
  let bytes: Uint8Array;
  let altText = c.req.valid('query').altText ?? '';
  if (isMultipart(c.req.header('Content-Type'))) {
    const form = await readForm(c);
    const file = form.getAll('file') as unknown[];
    const alt = form.get('altText') as unknown;
    if (file.length !== 1 || !(file[0] instanceof File)) {
      throw unprocessable([{ path: 'file', message: 'exactly one file is required' }]);
    }
    if (alt !== null && (typeof alt !== 'string' || alt.length > 300)) {
      throw unprocessable([{ path: 'altText', message: 'must be text of at most 300 characters' }]);
    }
    if (file[0].size > max) throw tooLarge(max);
    bytes = new Uint8Array(await file[0].arrayBuffer());
    altText = alt ?? altText;
  } else {
    bytes = new Uint8Array(await c.req.arrayBuffer());
  }
  if (bytes.byteLength > max) throw tooLarge(max);
  if (bytes.byteLength === 0) {
    throw new ApiError({ code: 'UNSUPPORTED_IMAGE', detail: 'The request carries no image.' });
  }
  const image = await uploadImage(c.var.db, c.env.IMAGES, {
    propertyId: id,
    bytes,
    altText: altText.trim(),
    actorId: c.var.auth.userId,
    audit: auditContext(c, c.var.auth.userId),
    transforms: c.env.IMAGE_TRANSFORMS,
  });
  await purgeListingPages(c, { id, slug: image.listingSlug });
  c.header('Location', `/v1/images/${image.id}`);
  return c.json(imageView(image, imageBaseUrl(c)), 201);
};

export const reorderHandler: AppRouteHandler<typeof reorderRoute> = async (c) => {
  const { id } = c.req.valid('param');
  const images = await reorderImages(c.var.db, id, c.req.valid('json').imageIds, auditContext(c, c.var.auth.userId));
  await purgeListing(c, id);
  const base = imageBaseUrl(c);
  return c.json({ data: images.map((i) => imageView(i, base)) }, 200);
};

export const updateHandler: AppRouteHandler<typeof updateRoute> = async (c) => {
  const image = await updateImage(
    c.var.db,
    c.req.valid('param').id,
    c.req.valid('json'),
    auditContext(c, c.var.auth.userId),
  );
  await purgeListing(c, image.propertyId);
  return c.json(imageView(image, imageBaseUrl(c)), 200);
};

export const deleteHandler: AppRouteHandler<typeof deleteImage> = async (c) => {
  const deleted = await deleteImageRow(c.var.db, c.req.valid('param').id, auditContext(c, c.var.auth.userId));
  if (!deleted) throw notFound('IMAGE_NOT_FOUND', 'No such image.');
  await purgeListing(c, deleted.propertyId);
  await purgePhotos(new URL(c.req.url).origin, [imageIdOfKey(deleted.r2Key)]);
  try {
    await c.env.IMAGES.delete([deleted.r2Key, ...allVariantKeys(deleted.r2Key)]);
  } catch (error) {
    // The row is gone; the nightly job removes objects no row references.
    c.var.logger.warn('R2 delete failed; left for the orphan sweep', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return c.body(null, 204);
};
