import { createRoute } from '@hono/zod-openapi';
import { requireRole } from '../../middleware/auth';
import { jsonBody, jsonContent, problemResponses } from '../shared/openapi';
import {
  InquiryDetailSchema,
  InquiryIdParamsSchema,
  InquiryListQuerySchema,
  InquiryListSchema,
  InquiryPatchSchema,
} from './admin-inquiries.schemas';

const security = [{ bearerAuth: [] }];

export const listInquiriesRoute = createRoute({
  method: 'get',
  path: '/v1/admin/inquiries',
  tags: ['Inquiries'],
  summary: 'List inquiries, newest first',
  security,
  middleware: [requireRole('admin')] as const,
  request: { query: InquiryListQuerySchema },
  responses: {
    200: jsonContent(InquiryListSchema, 'A page of inquiries'),
    ...problemResponses(401, 403, 422),
  },
});

export const getInquiryRoute = createRoute({
  method: 'get',
  path: '/v1/admin/inquiries/{id}',
  tags: ['Inquiries'],
  summary: 'One inquiry with its history',
  security,
  middleware: [requireRole('admin')] as const,
  request: { params: InquiryIdParamsSchema },
  responses: {
    200: jsonContent(InquiryDetailSchema, 'The inquiry and its history, oldest first'),
    ...problemResponses(401, 403, 404, 422),
  },
});

export const patchInquiryRoute = createRoute({
  method: 'patch',
  path: '/v1/admin/inquiries/{id}',
  tags: ['Inquiries'],
  summary: 'Change status, assignee or add a note',
  description:
    'Statuses: new → contacted | spam | closed; contacted → qualified | closed; qualified → closed. The new assignee gets an email.',
  security,
  middleware: [requireRole('admin')] as const,
  request: { params: InquiryIdParamsSchema, body: jsonBody(InquiryPatchSchema) },
  responses: {
    200: jsonContent(InquiryDetailSchema, 'The updated inquiry with its history'),
    ...problemResponses(400, 401, 403, 404, 409, 415, 422),
  },
});
