import { optionalRole } from '../../middleware/optional-auth';
import { rateLimit } from '../../middleware/rate-limit';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdempotencyHeadersSchema, InquiryBodySchema, InquiryCreatedSchema } from './inquiries.schemas';

// `{}` first: the token is optional (OpenAPI's spelling of "no security or this one").
const optionalBearer: Array<Record<string, string[]>> = [{}, { bearerAuth: [] }];

export const createInquiryRoute = defineRoute(
  {
    operationId: 'createInquiry',
    method: 'post',
    path: '/v1/inquiries',
    tags: ['Inquiries'],
    summary: 'Send an inquiry about a listing (or a general one)',
    description:
      'Anyone may send one. With a user’s access token it belongs to that user and shows in their ' +
      '`GET /v1/me/inquiries`; a token that is invalid, expired or of an ended session is a 401 (the inquiry is ' +
      'not filed anonymously instead). Without a token it stays anonymous, whatever its email. ' +
      'With an Idempotency-Key, a retry with the same body from the same sender (the same user, or anonymous) ' +
      'within 24 hours returns the first inquiry (same id, current status); the same key with another body or ' +
      'from another sender, or after 24 hours, is a new inquiry.',
    security: optionalBearer,
    middleware: [rateLimit('INQUIRY_RATE_LIMITER', 'inquiries'), optionalRole('user')] as const,
    request: { headers: IdempotencyHeadersSchema, body: jsonBody(InquiryBodySchema) },
    responses: {
      201: jsonContent(InquiryCreatedSchema, 'The inquiry was received'),
    },
  },
  ['PROPERTY_NOT_FOUND', 'RATE_LIMITED'],
);
