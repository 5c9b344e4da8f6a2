import { requireRole } from '../../middleware/auth';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import {
  InquiryDetailSchema,
  InquiryIdParamsSchema,
  InquiryListQuerySchema,
  InquiryListSchema,
  InquiryPatchSchema,
} from './admin-inquiries.schemas';

const security = [{ adminBearerAuth: [] }];

export const listInquiriesRoute = defineRoute(
  {
    operationId: 'listInquiries',
    description: 'Filters by status, assignee, listing and creation time; keyset pagination with `limit` and `cursor`.',
    method: 'get',
    path: '/v1/admin/inquiries',
    tags: ['Inquiries'],
    summary: 'List inquiries, newest first',
    security,
    middleware: [requireRole('admin')] as const,
    request: { query: InquiryListQuerySchema },
    responses: {
      200: jsonContent(InquiryListSchema, 'A page of inquiries'),
    },
  },
  ['INVALID_CURSOR'],
);

export const getInquiryRoute = defineRoute(
  {
    operationId: 'getInquiry',
    description:
      'The inquiry, its listing (or the deleted listing it was about), its assignee and every change, oldest first.',
    method: 'get',
    path: '/v1/admin/inquiries/{id}',
    tags: ['Inquiries'],
    summary: 'One inquiry with its history',
    security,
    middleware: [requireRole('admin')] as const,
    request: { params: InquiryIdParamsSchema },
    responses: {
      200: jsonContent(InquiryDetailSchema, 'The inquiry and its history, oldest first'),
    },
  },
  ['INQUIRY_NOT_FOUND'],
);

export const patchInquiryRoute = defineRoute(
  {
    operationId: 'updateInquiry',
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
    },
  },
  ['INQUIRY_NOT_FOUND', 'INVALID_TRANSITION', 'INVALID_ASSIGNEE', 'CONCURRENT_UPDATE'],
);
