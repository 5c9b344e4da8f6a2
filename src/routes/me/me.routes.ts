import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../../middleware/auth';
import { rateLimit } from '../../middleware/rate-limit';
import { jsonBody, jsonContent, problemResponses } from '../shared/openapi';
import { IdParam } from '../shared/schemas';
import { NameSchema, NewPasswordSchema, PasswordInputSchema, UserSchema } from '../shared/users';

const security = [{ bearerAuth: [] }];

export const SessionSchema = z
  .object({
    id: z.uuid(),
    deviceName: z.string().nullable(),
    userAgent: z.string().nullable(),
    ipAddress: z.string().nullable().openapi({ description: 'Truncated: /24 (IPv4) or /48 (IPv6)' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    current: z.boolean(),
  })
  .openapi('Session');

export const getMe = createRoute({
  method: 'get',
  path: '/v1/me',
  tags: ['Me'],
  summary: 'The signed-in user',
  security,
  middleware: [requireRole('user')] as const,
  responses: {
    200: jsonContent(UserSchema, 'The user'),
    ...problemResponses(401, 403),
  },
});

export const patchMe = createRoute({
  method: 'patch',
  path: '/v1/me',
  tags: ['Me'],
  summary: 'Change your own name (the only field a user may change)',
  security,
  middleware: [requireRole('user')] as const,
  request: { body: jsonBody(z.object({ name: NameSchema }).strict().openapi('UpdateMeBody')) },
  responses: {
    200: jsonContent(UserSchema, 'The updated user'),
    ...problemResponses(400, 401, 403, 413, 415, 422),
  },
});

export const changePassword = createRoute({
  method: 'post',
  path: '/v1/me/password',
  tags: ['Me'],
  summary: 'Change your password; ends every other session',
  description: 'Also allowed while mustChangePassword is set. A wrong currentPassword counts towards the lockout.',
  security,
  middleware: [rateLimit('AUTH_RATE_LIMITER', 'auth'), requireRole('user')] as const,
  request: {
    body: jsonBody(
      z
        .object({ currentPassword: PasswordInputSchema, newPassword: NewPasswordSchema })
        .strict()
        .openapi('ChangePasswordBody'),
    ),
  },
  responses: {
    204: { description: 'Changed' },
    ...problemResponses(400, 401, 403, 413, 415, 422, 429),
  },
});

export const listSessions = createRoute({
  method: 'get',
  path: '/v1/me/sessions',
  tags: ['Me'],
  summary: 'Your live sessions (signed-in devices)',
  security,
  middleware: [requireRole('user')] as const,
  responses: {
    200: jsonContent(z.object({ data: z.array(SessionSchema) }), 'Sessions, most recently used first'),
    ...problemResponses(401, 403),
  },
});

export const endSession = createRoute({
  method: 'delete',
  path: '/v1/me/sessions/{id}',
  tags: ['Me'],
  summary: 'End one of your sessions (sign a device out)',
  security,
  middleware: [requireRole('user')] as const,
  request: { params: IdParam },
  responses: {
    204: { description: 'Ended' },
    ...problemResponses(401, 403, 404, 422),
  },
});
