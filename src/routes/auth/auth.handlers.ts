import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';
import { login as loginUser } from '../../services/auth/login';
import { logout as logoutSession, refresh as refreshTokens } from '../../services/auth/refresh';
import { register as registerUser } from '../../services/auth/register';
import type { login, logout, refresh, register } from './auth.routes';
import { toTokensJson } from './auth.schemas';
import { authDeps, clientInfo } from './request-context';

const noStore = { 'Cache-Control': 'no-store' };

export const registerHandler: RouteHandler<typeof register, AppEnv> = async (c) => {
  const body = c.req.valid('json');
  const tokens = await registerUser(authDeps(c), body, clientInfo(c));
  return c.json(toTokensJson(tokens), 201, noStore);
};

export const loginHandler: RouteHandler<typeof login, AppEnv> = async (c) => {
  const { email, password, deviceName } = c.req.valid('json');
  const tokens = await loginUser(authDeps(c), { email, password }, clientInfo(c, deviceName));
  return c.json(toTokensJson(tokens), 200, noStore);
};

export const refreshHandler: RouteHandler<typeof refresh, AppEnv> = async (c) => {
  const { refreshToken } = c.req.valid('json');
  const tokens = await refreshTokens(authDeps(c), refreshToken, clientInfo(c));
  return c.json(toTokensJson(tokens), 200, noStore);
};

export const logoutHandler: RouteHandler<typeof logout, AppEnv> = async (c) => {
  const { refreshToken } = c.req.valid('json');
  await logoutSession(authDeps(c), refreshToken, clientInfo(c));
  return c.body(null, 204);
};
