import { login as loginUser } from '../../services/auth/login';
import { logout as logoutSession, refresh as refreshTokens } from '../../services/auth/refresh';
import { register as registerUser } from '../../services/auth/register';
import { type AppRouteHandler, authDeps, clientInfo } from '../shared/request-context';
import type { login, logout, refresh, register } from './auth.routes';
import { toTokensJson } from './auth.schemas';

export const registerHandler: AppRouteHandler<typeof register> = async (c) => {
  const body = c.req.valid('json');
  const tokens = await registerUser(authDeps(c), body, clientInfo(c));
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
