import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from '../../middleware/auth';
import { jsonBody, jsonContent, problemResponses } from '../shared/openapi';
import { IdParam, pageSchema } from '../shared/schemas';
import { AdminUserSchema, EmailSchema, NameSchema, NewPasswordSchema, RoleSchema } from '../shared/users';

const security = [{ bearerAuth: [] }];

export const listUsers = createRoute({
  method: 'get',
  path: '/v1/admin/users',
  tags: ['Users'],
  summary: 'List users, newest first',
  security,
  middleware: [requireRole('super_admin')] as const,
  request: {
    query: z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        cursor: z.string().max(200).optional(),
        role: RoleSchema.optional(),
        isActive: z.enum(['true', 'false']).optional(),
        q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Substring of email or name' }),
      })
      .strict(),
  },
  responses: {
    200: jsonContent(pageSchema(AdminUserSchema), 'A page of users'),
    ...problemResponses(401, 403, 422),
  },
});

export const createUser = createRoute({
  method: 'post',
  path: '/v1/admin/users',
  tags: ['Users'],
  summary: 'Create a user of any role',
  security,
  middleware: [requireRole('super_admin')] as const,
  request: {
    body: jsonBody(
      z
        .object({
          email: EmailSchema,
          name: NameSchema,
          password: NewPasswordSchema,
          role: RoleSchema.default('user'),
          mustChangePassword: z.boolean().default(true),
        })
        .strict()
        .openapi('CreateUserBody'),
    ),
  },
  responses: {
    201: jsonContent(AdminUserSchema, 'Created'),
    ...problemResponses(400, 401, 403, 409, 413, 415, 422),
  },
});

export const updateUser = createRoute({
  method: 'patch',
  path: '/v1/admin/users/{id}',
  tags: ['Users'],
  summary: "Change a user's role, active flag or name",
  description: 'Takes effect on the user’s next request. 409 LAST_SUPER_ADMIN when no active super admin would remain.',
  security,
  middleware: [requireRole('super_admin')] as const,
  request: {
    params: IdParam,
    body: jsonBody(
      z
        .object({ role: RoleSchema.optional(), isActive: z.boolean().optional(), name: NameSchema.optional() })
        .strict()
        .openapi('UpdateUserBody'),
    ),
  },
  responses: {
    200: jsonContent(AdminUserSchema, 'Updated'),
    ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
  },
});

export const unlockUser = createRoute({
  method: 'post',
  path: '/v1/admin/users/{id}/unlock',
  tags: ['Users'],
  summary: 'Lift a sign-in lockout',
  security,
  middleware: [requireRole('admin')] as const,
  request: { params: IdParam },
  responses: {
    204: { description: 'Unlocked' },
    ...problemResponses(401, 403, 404, 422),
  },
});

export const endUserSessions = createRoute({
  method: 'delete',
  path: '/v1/admin/users/{id}/sessions',
  tags: ['Users'],
  summary: 'End every session of a user at once',
  security,
  middleware: [requireRole('super_admin')] as const,
  request: { params: IdParam },
  responses: {
    204: { description: 'Ended' },
    ...problemResponses(401, 403, 404, 422),
  },
});
