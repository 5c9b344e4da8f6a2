import { createRouter } from '../../lib/router';
import { createInquiryHandler } from './inquiries.handlers';
import { createInquiryRoute } from './inquiries.routes';

export const inquiriesRouter = createRouter().openapi(createInquiryRoute, createInquiryHandler);
