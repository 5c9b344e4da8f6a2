import { requireRole } from '../../middleware/auth';
import { defineRoute, jsonContent } from '../shared/openapi';
import { MyInquiriesPageSchema, MyInquiriesQuerySchema } from './me-inquiries.schemas';

export const listMyInquiriesRoute = defineRoute(
  {
    operationId: 'listMyInquiries',
    description:
      'The inquiries you sent with your access token, newest first, each with its current status. Inquiries sent ' +
      'without a token are anonymous and never show here, even from the same email address.',
    method: 'get',
    path: '/v1/me/inquiries',
    tags: ['Me'],
    summary: 'Inquiries you sent signed in (keyset pagination)',
    security: [{ bearerAuth: [] }],
    middleware: [requireRole('user')] as const,
    request: { query: MyInquiriesQuerySchema },
    responses: {
      200: jsonContent(MyInquiriesPageSchema, 'A page of your inquiries'),
    },
  },
  ['INVALID_CURSOR'],
);
