import { createRouter } from '../../lib/router';
import { getInquiryHandler, listInquiriesHandler, patchInquiryHandler } from './admin-inquiries.handlers';
import { getInquiryRoute, listInquiriesRoute, patchInquiryRoute } from './admin-inquiries.routes';

export const adminInquiriesRouter = createRouter()
  .openapi(listInquiriesRoute, listInquiriesHandler)
  .openapi(getInquiryRoute, getInquiryHandler)
  .openapi(patchInquiryRoute, patchInquiryHandler);
