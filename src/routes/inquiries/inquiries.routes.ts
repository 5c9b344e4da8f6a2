import { rateLimit } from '../../middleware/rate-limit';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdempotencyHeadersSchema, InquiryBodySchema, InquiryCreatedSchema } from './inquiries.schemas';

export const createInquiryRoute = defineRoute(
  {
    operationId: 'createInquiry',
    method: 'post',
    path: '/v1/inquiries',
    tags: ['Inquiries'],
    summary: 'Send an inquiry about a listing (or a general one)',
    description:
      'With an Idempotency-Key, a retry with the same body within 24 hours returns the first inquiry (same id, current status); the same key with another body, or after 24 hours, is a new inquiry.',
    middleware: [rateLimit('INQUIRY_RATE_LIMITER', 'inquiries')] as const,
    request: { headers: IdempotencyHeadersSchema, body: jsonBody(InquiryBodySchema) },
    responses: {
      201: jsonContent(InquiryCreatedSchema, 'The inquiry was received'),
    },
  },
  ['PROPERTY_NOT_FOUND', 'RATE_LIMITED'],
);
