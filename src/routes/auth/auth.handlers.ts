import { classifyDatabaseError } from '../../db/errors';
import type { Logger } from '../../lib/logger';
import { verifyEmail as verifyEmailAddress } from '../../services/auth/email-verification';
import { login as loginUser } from '../../services/auth/login';
import {
  confirmPasswordReset as confirmReset,
  issuePasswordReset,
  type PreparedReset,
  prepareResetRequest,
} from '../../services/auth/password-reset';
import { logout as logoutSession, refresh as refreshTokens } from '../../services/auth/refresh';
import { register as registerUser } from '../../services/auth/register';
import type { AuthDeps } from '../../services/auth/types';
import { kickDrain } from '../../services/notifications/kick';
import { type AppRouteHandler, authDeps, clientInfo } from '../shared/request-context';
import { sendSoon } from '../shared/send-soon';
import type {
  confirmPasswordReset,
  login,
  logout,
  refresh,
  register,
  requestPasswordReset,
  verifyEmail,
} from './auth.routes';
import { ACCEPTED, toTokensJson } from './auth.schemas';

export const registerHandler: AppRouteHandler<typeof register> = async (c) => {
  const body = c.req.valid('json');
  const { tokens, notificationIds } = await registerUser(authDeps(c), body, clientInfo(c));
  sendSoon(c, notificationIds);
  return c.json(toTokensJson(tokens), 201);
};

export const loginHandler: AppRouteHandler<typeof login> = async (c) => {
  const { email, password, deviceName } = c.req.valid('json');
  const tokens = await loginUser(authDeps(c), { email, password }, clientInfo(c, deviceName));
  return c.json(toTokensJson(tokens), 200);
};

export const refreshHandler: AppRouteHandler<typeof refresh> = async (c) => {
  const { refreshToken } = c.req.valid('json');
  const tokens = await refreshTokens(authDeps(c), refreshToken, clientInfo(c));
  return c.json(toTokensJson(tokens), 200);
};

export const logoutHandler: AppRouteHandler<typeof logout> = async (c) => {
  const { refreshToken } = c.req.valid('json');
  await logoutSession(authDeps(c), refreshToken, clientInfo(c));
  return c.body(null, 204);
};

/** The lookup, the token and the email of a reset request; never rejects (nobody is waiting for it). */
async function issueReset(deps: AuthDeps, logger: Logger, prepared: PreparedReset): Promise<void> {
  try {
    const ids = await issuePasswordReset(deps, prepared);
    if (ids.length > 0) await kickDrain(deps.db, deps.config, logger, ids);
  } catch (error) {
    // Neither the address nor the error's text (it can quote the statement's parameters).
    logger.warn('password reset request failed after its response', {
      error: error instanceof Error ? error.name : 'unknown',
      database: classifyDatabaseError(error)?.kind ?? null,
    });
  }
}

/**
 * The response path is the same for every address: validate, make a token (random bytes and a
 * hash), answer 202. Whether the address has an account, its lookup and the email all happen
 * after the response (waitUntil), so neither the body nor the time to answer tells them apart.
 */
export const requestPasswordResetHandler: AppRouteHandler<typeof requestPasswordReset> = async (c) => {
  const { email } = c.req.valid('json');
  const prepared = await prepareResetRequest(email);
  c.executionCtx.waitUntil(issueReset(authDeps(c), c.var.logger, prepared));
  return c.json(ACCEPTED, 202);
};

export const confirmPasswordResetHandler: AppRouteHandler<typeof confirmPasswordReset> = async (c) => {
  const body = c.req.valid('json');
  await confirmReset(authDeps(c), body, clientInfo(c));
  return c.body(null, 204);
};

export const verifyEmailHandler: AppRouteHandler<typeof verifyEmail> = async (c) => {
  const { token } = c.req.valid('json');
  await verifyEmailAddress(authDeps(c), token, clientInfo(c).ip);
  return c.body(null, 204);
};
