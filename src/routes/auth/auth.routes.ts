import { z } from '@hono/zod-openapi';
import { rateLimit } from '../../middleware/rate-limit';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { DeviceNameSchema, EmailSchema, NameSchema, NewPasswordSchema, PasswordInputSchema } from '../shared/users';
import { AcceptedSchema, AccountTokenSchema, TokensSchema } from './auth.schemas';

// Every /v1/auth route shares one per-IP budget (AUTH_RATE_LIMITER in wrangler.toml).
const limited = [rateLimit('AUTH_RATE_LIMITER', 'auth')];

const RefreshTokenBody = z
  .object({ refreshToken: z.string().min(1).max(512) })
  .strict()
  .openapi('RefreshTokenBody');

export const register = defineRoute(
  {
    operationId: 'register',
    description:
      'Creates a user with role `user`, sends the first verification email and returns a token pair. Rate limited per client.',
    method: 'post',
    path: '/v1/auth/register',
    tags: ['Auth'],
    summary: 'Create an account (role user) and sign in',
    middleware: limited,
    request: {
      body: jsonBody(
        z
          .object({ email: EmailSchema, password: NewPasswordSchema, name: NameSchema })
          .strict()
          .openapi('RegisterBody'),
      ),
    },
    responses: {
      201: jsonContent(TokensSchema, 'Signed in'),
    },
  },
  ['EMAIL_TAKEN', 'RATE_LIMITED'],
);

export const login = defineRoute(
  {
    operationId: 'login',
    method: 'post',
    path: '/v1/auth/login',
    tags: ['Auth'],
    summary: 'Sign in with email and password',
    description:
      'Unknown email, wrong password, locked and disabled accounts all get the same 401 INVALID_CREDENTIALS, in the same time. ' +
      'LOGIN_MAX_FAILURES failures in a row lock the account for LOCKOUT_MINUTES.',
    middleware: limited,
    request: {
      body: jsonBody(
        z
          .object({
            email: EmailSchema,
            password: PasswordInputSchema,
            deviceName: DeviceNameSchema.optional(),
          })
          .strict()
          .openapi('LoginBody'),
      ),
    },
    responses: {
      200: jsonContent(TokensSchema, 'Signed in'),
    },
  },
  ['INVALID_CREDENTIALS', 'RATE_LIMITED'],
);

export const refresh = defineRoute(
  {
    operationId: 'refreshTokens',
    method: 'post',
    path: '/v1/auth/refresh',
    tags: ['Auth'],
    summary: 'Exchange a refresh token for a new token pair (rotation)',
    description:
      'Each refresh token works once. Presenting a used one again after the grace window ends the whole session.',
    middleware: limited,
    request: { body: jsonBody(RefreshTokenBody) },
    responses: {
      200: jsonContent(TokensSchema, 'New tokens'),
    },
  },
  ['INVALID_REFRESH_TOKEN', 'RATE_LIMITED'],
);

export const logout = defineRoute(
  {
    operationId: 'logout',
    description: 'Ends the session the refresh token belongs to. An unknown or already ended token is also a 204.',
    method: 'post',
    path: '/v1/auth/logout',
    tags: ['Auth'],
    summary: 'End the session of a refresh token (idempotent)',
    middleware: limited,
    request: { body: jsonBody(RefreshTokenBody) },
    responses: {
      204: { description: 'The session is ended (or was already)' },
    },
  },
  ['RATE_LIMITED'],
);

export const requestPasswordReset = defineRoute(
  {
    operationId: 'requestPasswordReset',
    method: 'post',
    path: '/v1/auth/password-reset',
    tags: ['Auth'],
    summary: 'Email a password reset link (always 202)',
    description:
      'Answers 202 with the same body, after the same work, whether or not an account has this address: the ' +
      'lookup and the email happen after the response. An active account (locked ones too) gets a single-use ' +
      'link valid PASSWORD_RESET_TOKEN_MINUTES, at most PASSWORD_RESET_MAX_PER_HOUR an hour; a disabled one ' +
      'gets nothing. Rate limited per client.',
    middleware: limited,
    request: {
      body: jsonBody(z.object({ email: EmailSchema }).strict().openapi('PasswordResetBody')),
    },
    responses: {
      202: jsonContent(AcceptedSchema, 'Accepted: an email is on its way if an account uses this address'),
    },
  },
  ['RATE_LIMITED'],
);

export const confirmPasswordReset = defineRoute(
  {
    operationId: 'confirmPasswordReset',
    method: 'post',
    path: '/v1/auth/password-reset/confirm',
    tags: ['Auth'],
    summary: 'Set a new password with the token of a reset email',
    description:
      'Sets the password, ends every session of the account, lifts a lockout, clears mustChangePassword and ' +
      'makes the account’s other reset tokens invalid. The token works once; an expired, used, forged or ' +
      'superseded one, or one sent to an address the account no longer has, is a 400. A password the rules ' +
      'refuse is a 422 and leaves the token usable.',
    middleware: limited,
    request: {
      body: jsonBody(
        z
          .object({ token: AccountTokenSchema, newPassword: NewPasswordSchema })
          .strict()
          .openapi('ConfirmPasswordResetBody'),
      ),
    },
    responses: {
      204: { description: 'The password is set; sign in with it' },
    },
  },
  ['INVALID_RESET_TOKEN', 'RATE_LIMITED'],
);

export const verifyEmail = defineRoute(
  {
    operationId: 'verifyEmail',
    method: 'post',
    path: '/v1/auth/verify-email',
    tags: ['Auth'],
    summary: 'Confirm an email address with the token of a verification email',
    description:
      'Sets `emailVerified` on the account. The token works once, for 24 hours, and only while the account ' +
      'still has the address it was sent to.',
    middleware: limited,
    request: {
      body: jsonBody(z.object({ token: AccountTokenSchema }).strict().openapi('VerifyEmailBody')),
    },
    responses: {
      204: { description: 'The address is verified' },
    },
  },
  ['INVALID_VERIFICATION_TOKEN', 'RATE_LIMITED'],
);
