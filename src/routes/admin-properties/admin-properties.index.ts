import { createRouter } from '../../lib/router';
import {
  createHandler,
  deleteHandler,
  getHandler,
  historyHandler,
  listHandler,
  statusHandler,
  updateHandler,
} from './admin-properties.handlers';
import {
  adminPropertyHistory,
  changeAdminPropertyStatus,
  createAdminProperty,
  deleteAdminProperty,
  getAdminProperty,
  listAdminProperties,
  updateAdminProperty,
} from './admin-properties.routes';

export const adminPropertiesRouter = createRouter()
  .openapi(listAdminProperties, listHandler)
  .openapi(createAdminProperty, createHandler)
  .openapi(getAdminProperty, getHandler)
  .openapi(updateAdminProperty, updateHandler)
  .openapi(deleteAdminProperty, deleteHandler)
  .openapi(changeAdminPropertyStatus, statusHandler)
  .openapi(adminPropertyHistory, historyHandler);
