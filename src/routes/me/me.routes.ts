import { z } from '@hono/zod-openapi';
import { TRUNCATED_IP_FORMAT, TRUNCATED_IP_MAX } from '../../lib/ip';
import { UuidSchema } from '../../lib/uuid';
import { requireRole } from '../../middleware/auth';
import { rateLimit } from '../../middleware/rate-limit';
import { USER_AGENT_MAX } from '../../services/auth/sessions';
import { AcceptedSchema } from '../auth/auth.schemas';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdParam, TimestampSchema } from '../shared/schemas';
import { DeviceNameSchema, NameSchema, NewPasswordSchema, PasswordInputSchema, UserSchema } from '../shared/users';

const security = [{ bearerAuth: [] }];

export const SessionSchema = z
  .object({
    id: UuidSchema,
    deviceName: DeviceNameSchema.nullable(),
    userAgent: z.string().max(USER_AGENT_MAX).nullable(),
    ipAddress: z
      .string()
      .max(TRUNCATED_IP_MAX)
      .regex(TRUNCATED_IP_FORMAT)
      .nullable()
      .openapi({ description: 'Truncated: /24 (IPv4) or /48 (IPv6)' }),
    createdAt: TimestampSchema,
    lastUsedAt: TimestampSchema,
    expiresAt: TimestampSchema,
    current: z.boolean(),
  })
  .openapi('Session');

export const getMe = defineRoute(
  {
    operationId: 'getMe',
    description: 'The user of the access token, as the database has it now.',
    method: 'get',
    path: '/v1/me',
    tags: ['Me'],
    summary: 'The signed-in user',
    security,
    middleware: [requireRole('user')] as const,
    responses: {
      200: jsonContent(UserSchema, 'The user'),
    },
  },
  ['USER_NOT_FOUND'],
);

export const patchMe = defineRoute(
  {
    operationId: 'updateMe',
    description: 'Only `name` can be changed here; email and role are not the user’s to change.',
    method: 'patch',
    path: '/v1/me',
    tags: ['Me'],
    summary: 'Change your own name (the only field a user may change)',
    security,
    middleware: [requireRole('user')] as const,
    request: { body: jsonBody(z.object({ name: NameSchema }).strict().openapi('UpdateMeBody')) },
    responses: {
      200: jsonContent(UserSchema, 'The updated user'),
    },
  },
  ['USER_NOT_FOUND'],
);

export const changePassword = defineRoute(
  {
    operationId: 'changePassword',
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
    },
  },
  ['USER_NOT_FOUND', 'RATE_LIMITED', 'INVALID_CURRENT_PASSWORD', 'PASSWORD_UNCHANGED'],
);

export const listSessions = defineRoute(
  {
    operationId: 'listMySessions',
    description:
      'Every live session of the caller (device name, user agent, truncated IP, times); `current` marks this one.',
    method: 'get',
    path: '/v1/me/sessions',
    tags: ['Me'],
    summary: 'Your live sessions (signed-in devices)',
    security,
    middleware: [requireRole('user')] as const,
    responses: {
      200: jsonContent(z.object({ data: z.array(SessionSchema) }), 'Sessions, most recently used first'),
    },
  },
  [],
);

export const endSession = defineRoute(
  {
    operationId: 'endMySession',
    description:
      'Ends one session of the caller; its refresh token stops working at once. Another user’s session is a 404.',
    method: 'delete',
    path: '/v1/me/sessions/{id}',
    tags: ['Me'],
    summary: 'End one of your sessions (sign a device out)',
    security,
    middleware: [requireRole('user')] as const,
    request: { params: IdParam },
    responses: {
      204: { description: 'Ended' },
    },
  },
  ['SESSION_NOT_FOUND'],
);

export const requestEmailVerification = defineRoute(
  {
    operationId: 'requestEmailVerification',
    description:
      'Queues a new verification email (a single-use link valid 24 hours) unless the address is already verified ' +
      '(then 202 and nothing is sent). At most one per EMAIL_VERIFICATION_MIN_INTERVAL_SECONDS and ' +
      'EMAIL_VERIFICATION_MAX_PER_DAY in 24 hours, registration’s included: past either, 429 with Retry-After.',
    method: 'post',
    path: '/v1/me/email-verification',
    tags: ['Me'],
    summary: 'Send a new email verification link',
    security,
    middleware: [requireRole('user')] as const,
    responses: {
      202: jsonContent(AcceptedSchema, 'Accepted: an email is on its way unless the address is verified'),
    },
  },
  ['RATE_LIMITED'],
);
