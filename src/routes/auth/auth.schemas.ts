import { z } from '@hono/zod-openapi';
import type { IssuedTokens } from '../../services/auth/types';
import { toUserJson, UserSchema } from '../shared/users';

export const TokensSchema = z
  .object({
    user: UserSchema,
    accessToken: z.string().openapi({ description: 'JWT (HS256), 15 minutes' }),
    refreshToken: z.string().openapi({ description: 'Single use; each refresh returns a new one' }),
    expiresIn: z.number().int().openapi({ description: 'Access token lifetime in seconds', example: 900 }),
  })
  .openapi('Tokens');

export function toTokensJson(tokens: IssuedTokens) {
  return {
    user: toUserJson(tokens.user),
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: tokens.expiresIn,
  };
}
