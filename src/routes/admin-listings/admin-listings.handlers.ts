import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { notFound, unprocessable } from '../../lib/errors';
import { ifMatchVersion, purgeCachedPages, versionEtag } from '../../lib/http-cache';
import { imageIdOfKey } from '../../services/images/limits';
import { purgePhotos } from '../../services/images/photo-edge-cache';
import { allVariantKeys } from '../../services/images/variants';
import { findListing, listingPageUrls } from '../../services/listings/get';
import { searchListings } from '../../services/listings/search';
import { adminDetailView } from '../../services/listings/serialize';
import { changeListingStatus, listingHistory } from '../../services/listings/status';
import { createListing, deleteListing, updateListing } from '../../services/listings/write';
import { imageBaseUrl } from '../listings/listings.handlers';
import { toFilters } from '../listings/listings.schemas';
import { type AppRouteHandler, auditContext, type RequestContext } from '../shared/request-context';
import type {
  adminListingHistory,
  changeAdminListingStatus,
  createAdminListing,
  deleteAdminListing,
  getAdminListing,
  listAdminListings,
  updateAdminListing,
} from './admin-listings.routes';

type C = RequestContext;

/**
 * Drops a listing's cached public pages (its canonical keys by id and by slug, which every URL
 * variant is served from): this location's edge cache, this isolate's memory.
 */
export async function purgeListingPages(c: C, listing: { id: string; slug: string }) {
  await purgeCachedPages(listingPageUrls(new URL(c.req.url).origin, listing));
}

async function adminListing(c: C, id: string) {
  const found = await findListing(c.var.db, id, 'admin');
  if (!found) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  c.header('ETag', versionEtag(found.row.version));
  c.header('Cache-Control', 'no-store');
  return adminDetailView(found.row, found.images, imageBaseUrl(c), found.priceHistory);
}

export const listHandler: AppRouteHandler<typeof listAdminListings> = async (c) => {
  const query = c.req.valid('query');
  const page = await searchListings(
    c.var.db,
    { filters: toFilters(query), sort: query.sort, limit: query.limit, visibility: 'admin' },
    { cursor: query.cursor, cursorSecret: cursorSecret(getConfig(c.env)), imageBaseUrl: imageBaseUrl(c) },
  );
  c.header('Cache-Control', 'no-store');
  return c.json(page, 200);
};

export const createHandler: AppRouteHandler<typeof createAdminListing> = async (c) => {
  const id = await createListing(c.var.db, c.req.valid('json'), c.var.auth.userId, auditContext(c, c.var.auth.userId));
  const body = await adminListing(c, id);
  c.header('Location', `/v1/admin/properties/${id}`);
  return c.json(body, 201);
};

export const getHandler: AppRouteHandler<typeof getAdminListing> = async (c) =>
  c.json(await adminListing(c, c.req.valid('param').id), 200);

export const updateHandler: AppRouteHandler<typeof updateAdminListing> = async (c) => {
  const { id } = c.req.valid('param');
  const expected = ifMatchVersion(c.req.header('If-Match'));
  if (expected === 'invalid') {
    throw unprocessable([{ path: 'If-Match', message: 'must be an ETag from GET, e.g. "v3"' }]);
  }
  await updateListing(
    c.var.db,
    id,
    c.req.valid('json'),
    expected === '*' ? null : expected,
    auditContext(c, c.var.auth.userId),
  );
  const body = await adminListing(c, id);
  await purgeListingPages(c, body);
  return c.json(body, 200);
};

export const deleteHandler: AppRouteHandler<typeof deleteAdminListing> = async (c) => {
  const { id } = c.req.valid('param');
  const deleted = await deleteListing(c.var.db, id, auditContext(c, c.var.auth.userId));
  if (!deleted) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  await purgeListingPages(c, deleted);
  await purgePhotos(new URL(c.req.url).origin, deleted.r2Keys.map(imageIdOfKey));
  if (deleted.r2Keys.length > 0) {
    try {
      // Each photo with every variant it may have; R2 deletes up to 1000 keys per call.
      const keys = deleted.r2Keys.flatMap((key) => [key, ...allVariantKeys(key)]);
      for (let i = 0; i < keys.length; i += 1000) await c.env.IMAGES.delete(keys.slice(i, i + 1000));
    } catch (error) {
      // The rows are gone; the nightly job removes objects no row references.
      c.var.logger.warn('R2 delete failed; left for the orphan sweep', {
        keys: deleted.r2Keys.length,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return c.body(null, 204);
};

export const statusHandler: AppRouteHandler<typeof changeAdminListingStatus> = async (c) => {
  const { id } = c.req.valid('param');
  const { status, reason } = c.req.valid('json');
  await changeListingStatus(
    c.var.db,
    {
      propertyId: id,
      to: status,
      reason: reason ?? null,
      actorId: c.var.auth.userId,
    },
    auditContext(c, c.var.auth.userId),
  );
  const body = await adminListing(c, id);
  await purgeListingPages(c, body);
  // Its photos follow the listing's visibility: visitors are refused them from now on here.
  await purgePhotos(
    new URL(c.req.url).origin,
    body.images.map((image) => image.id),
  );
  return c.json(body, 200);
};

export const historyHandler: AppRouteHandler<typeof adminListingHistory> = async (c) => {
  const history = await listingHistory(c.var.db, c.req.valid('param').id);
  if (!history) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  c.header('Cache-Control', 'no-store');
  return c.json({ data: history }, 200);
};
