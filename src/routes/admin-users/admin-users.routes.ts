import { z } from '@hono/zod-openapi';
import { requireRole } from '../../middleware/auth';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdParam, pageQuery, pageSchema } from '../shared/schemas';
import { AdminUserSchema, EmailSchema, NameSchema, NewPasswordSchema, RoleSchema } from '../shared/users';

const security = [{ adminBearerAuth: [] }];

export const listUsers = defineRoute(
  {
    operationId: 'listAdminUsers',
    description: 'Every user with lockout state; filters by role, active flag and a substring of email or name.',
    method: 'get',
    path: '/v1/admin/users',
    tags: ['Users'],
    summary: 'List users, newest first',
    security,
    middleware: [requireRole('super_admin')] as const,
    request: {
      query: z
        .object({
          ...pageQuery,
          role: RoleSchema.optional(),
          isActive: z.enum(['true', 'false']).optional(),
          q: z.string().trim().min(1).max(100).optional().openapi({ description: 'Substring of email or name' }),
        })
        .strict(),
    },
    responses: {
      200: jsonContent(pageSchema(AdminUserSchema), 'A page of users'),
    },
  },
  ['INVALID_CURSOR'],
);

export const createUser = defineRoute(
  {
    operationId: 'createAdminUser',
    description:
      'Creates a user of any role with a password the super admin chose; by default the user must change it at first sign-in.',
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
    },
  },
  ['EMAIL_TAKEN'],
);

export const updateUser = defineRoute(
  {
    operationId: 'updateAdminUser',
    method: 'patch',
    path: '/v1/admin/users/{id}',
    tags: ['Users'],
    summary: "Change a user's role, active flag or name",
    description:
      'Takes effect on the user’s next request. 409 LAST_SUPER_ADMIN when no active super admin would remain.',
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
    },
  },
  ['USER_NOT_FOUND', 'LAST_SUPER_ADMIN'],
);

export const unlockUser = defineRoute(
  {
    operationId: 'unlockAdminUser',
    description: 'Clears every failed-login counter and lock of the user. Only a super admin may unlock a super admin.',
    method: 'post',
    path: '/v1/admin/users/{id}/unlock',
    tags: ['Users'],
    summary: 'Lift a sign-in lockout',
    security,
    middleware: [requireRole('admin')] as const,
    request: { params: IdParam },
    responses: {
      204: { description: 'Unlocked' },
    },
  },
  ['USER_NOT_FOUND'],
);

export const endUserSessions = defineRoute(
  {
    operationId: 'endAdminUserSessions',
    description: 'Ends every session of the user; their next request with any token is a 401.',
    method: 'delete',
    path: '/v1/admin/users/{id}/sessions',
    tags: ['Users'],
    summary: 'End every session of a user at once',
    security,
    middleware: [requireRole('super_admin')] as const,
    request: { params: IdParam },
    responses: {
      204: { description: 'Ended' },
    },
  },
  ['USER_NOT_FOUND'],
);
