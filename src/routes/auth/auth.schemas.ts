import { z } from '@hono/zod-openapi';
import { ACCESS_TOKEN_TTL_SECONDS } from '../../services/auth/access-token';
import { REFRESH_TOKEN_FORMAT, REFRESH_TOKEN_LENGTH } from '../../services/auth/refresh-token';
import type { IssuedTokens } from '../../services/auth/types';
import { toUserJson, UserSchema } from '../shared/users';

export const TokensSchema = z
  .object({
    user: UserSchema,
    accessToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
      .openapi({ description: 'JWT (HS256), 15 minutes' }),
    refreshToken: z
      .string()
      .length(REFRESH_TOKEN_LENGTH)
      .regex(REFRESH_TOKEN_FORMAT)
      .openapi({ description: 'Single use; each refresh returns a new one' }),
    expiresIn: z
      .int()
      .min(ACCESS_TOKEN_TTL_SECONDS)
      .max(ACCESS_TOKEN_TTL_SECONDS)
      .openapi({ format: 'int32', description: 'Access token lifetime in seconds', example: ACCESS_TOKEN_TTL_SECONDS }),
  })
  .openapi('Tokens');

/**
 * A token from a password reset or verification email, as the link's `token` parameter carries it.
 * Any text: one this server did not issue is the contract's 400 (INVALID_*_TOKEN), like a forged one.
 */
export const AccountTokenSchema = z
  .string()
  .min(1)
  .max(200)
  .openapi({ description: 'The `token` query parameter of the link in the email' });

/** The one body of an accepted request for an email, whatever happens next. */
export const AcceptedSchema = z.object({ status: z.literal('accepted') }).openapi('Accepted');

export const ACCEPTED = { status: 'accepted' } as const;

export function toTokensJson(tokens: IssuedTokens) {
  return {
    user: toUserJson(tokens.user),
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
  };
}
