import { createRouter } from '../../lib/router';
import {
  createHandler,
  deleteHandler,
  getHandler,
  historyHandler,
  listHandler,
  statusHandler,
  updateHandler,
} from './admin-listings.handlers';
import {
  adminListingHistory,
  changeAdminListingStatus,
  createAdminListing,
  deleteAdminListing,
  getAdminListing,
  listAdminListings,
  updateAdminListing,
} from './admin-listings.routes';

export const adminListingsRouter = createRouter()
  .openapi(listAdminListings, listHandler)
  .openapi(createAdminListing, createHandler)
  .openapi(getAdminListing, getHandler)
  .openapi(updateAdminListing, updateHandler)
  .openapi(deleteAdminListing, deleteHandler)
  .openapi(changeAdminListingStatus, statusHandler)
  .openapi(adminListingHistory, historyHandler);
