import { z } from '@hono/zod-openapi';
import { USER_ROLES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import {
  PASSWORD_MAX_BYTES,
  PASSWORD_MAX_CHARS,
  PASSWORD_MIN_CHARS,
  passwordProblems,
} from '../../services/auth/password-policy';
import type { UserRecord } from '../../services/users/user-record';
import { TimestampSchema } from './schemas';

export const RoleSchema = z.enum(USER_ROLES).openapi('Role');

export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .email()
  .openapi({ example: 'jane@example.com', format: 'email' });

/** A client's name for its session (sessions_device_name_length). */
export const DeviceNameSchema = z.string().trim().min(1).max(100);

export const NameSchema = z.string().trim().min(1).max(100).openapi({ example: 'Jane Doe' });

/**
 * A password being set: 12–64 characters, at most 72 UTF-8 bytes, not a common one. One named
 * schema in the document, so every operation that sets a password (register, change, reset,
 * admin create) refers to the same rule.
 */
export const NewPasswordSchema = z
  .string()
  .max(1024)
  .superRefine((value, ctx) => {
    for (const message of passwordProblems(value)) ctx.addIssue({ code: 'custom', message });
  })
  .openapi('NewPassword', {
    minLength: PASSWORD_MIN_CHARS,
    maxLength: PASSWORD_MAX_CHARS,
    description: `${PASSWORD_MIN_CHARS}–${PASSWORD_MAX_CHARS} characters, at most ${PASSWORD_MAX_BYTES} bytes in UTF-8, not on the common-password list.`,
    example: 'a long and unusual passphrase',
  });

/** A password being checked: no policy here (that would tell which rule an old one breaks). */
export const PasswordInputSchema = z.string().min(1).max(1024);

export const UserSchema = z
  .object({
    id: UuidSchema,
    email: EmailSchema,
    name: NameSchema,
    role: RoleSchema,
    isActive: z.boolean(),
    mustChangePassword: z.boolean(),
    emailVerified: z.boolean().openapi({ description: 'The owner confirmed the address through a verification link.' }),
    lastLoginAt: TimestampSchema.nullable(),
    createdAt: TimestampSchema,
  })
  .openapi('User');

export const AdminUserSchema = UserSchema.extend({
  lockedAt: TimestampSchema.nullable().openapi({
    description: 'Set while too many failed sign-ins lock the account for new clients.',
  }),
  failedLoginCount: z.int().min(0).max(2_147_483_647).openapi({ format: 'int32' }),
}).openapi('AdminUser');

export function toUserJson(user: UserRecord) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    isActive: user.isActive,
    mustChangePassword: user.mustChangePassword,
    emailVerified: user.emailVerified,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}

export function toAdminUserJson(user: UserRecord) {
  return {
    ...toUserJson(user),
    lockedAt: user.lockedAt?.toISOString() ?? null,
    failedLoginCount: user.failedLoginCount,
  };
}
