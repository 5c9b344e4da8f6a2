import type { RouteHandler } from '@hono/zod-openapi';
import { type AppEnv, getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import {
  createUser as createAccount,
  endAllSessions,
  listUsers as listAccounts,
  unlockUser as unlockAccount,
  updateUser as updateAccount,
} from '../../services/users/admin-users';
import { toAdminUserJson } from '../auth/auth.schemas';
import { authDeps, clientInfo, principal } from '../auth/request-context';
import type { createUser, endUserSessions, listUsers, unlockUser, updateUser } from './admin-users.routes';

function actor(c: Parameters<typeof principal>[0]) {
  return { userId: principal(c).userId, ip: clientInfo(c).ip };
}

export const listUsersHandler: RouteHandler<typeof listUsers, AppEnv> = async (c) => {
  const query = c.req.valid('query');
  const page = await listAccounts(c.get('db'), cursorSecret(getConfig(c.env)), {
    limit: query.limit,
    cursor: query.cursor,
    role: query.role,
    isActive: query.isActive === undefined ? undefined : query.isActive === 'true',
    q: query.q,
  });
  c.header('Cache-Control', 'no-store');
  return c.json({ data: page.users.map(toAdminUserJson), nextCursor: page.nextCursor }, 200);
};

export const createUserHandler: RouteHandler<typeof createUser, AppEnv> = async (c) => {
  const user = await createAccount(authDeps(c), actor(c), c.req.valid('json'));
  c.header('Location', `/v1/admin/users/${user.id}`);
  return c.json(toAdminUserJson(user), 201);
};

export const updateUserHandler: RouteHandler<typeof updateUser, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const user = await updateAccount(authDeps(c), actor(c), id, c.req.valid('json'));
  return c.json(toAdminUserJson(user), 200);
};

export const unlockUserHandler: RouteHandler<typeof unlockUser, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await unlockAccount(c.get('db'), actor(c), id);
  return c.body(null, 204);
};

export const endUserSessionsHandler: RouteHandler<typeof endUserSessions, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  await endAllSessions(c.get('db'), authDeps(c).clock, actor(c), id);
  return c.body(null, 204);
};
