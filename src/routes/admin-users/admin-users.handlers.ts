import { getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import type { AuthContext } from '../../middleware/auth';
import {
  createUser as createAccount,
  endAllSessions,
  listUsers as listAccounts,
  unlockUser as unlockAccount,
  updateUser as updateAccount,
} from '../../services/users/admin-users';
import { type AppRouteHandler, authDeps, clientInfo, type RequestContext } from '../shared/request-context';
import { toAdminUserJson } from '../shared/users';
import type { createUser, endUserSessions, listUsers, unlockUser, updateUser } from './admin-users.routes';

function actor(c: RequestContext & { var: { auth: AuthContext } }) {
  return { userId: c.var.auth.userId, ip: clientInfo(c).ip, requestId: c.var.requestId };
}

export const listUsersHandler: AppRouteHandler<typeof listUsers> = async (c) => {
  const query = c.req.valid('query');
  const page = await listAccounts(c.var.db, cursorSecret(getConfig(c.env)), {
    limit: query.limit,
    cursor: query.cursor,
    role: query.role,
    isActive: query.isActive === undefined ? undefined : query.isActive === 'true',
    q: query.q,
  });
  return c.json({ data: page.users.map(toAdminUserJson), nextCursor: page.nextCursor }, 200);
};

export const createUserHandler: AppRouteHandler<typeof createUser> = async (c) => {
  const user = await createAccount(authDeps(c), actor(c), c.req.valid('json'));
  c.header('Location', `/v1/admin/users/${user.id}`);
  return c.json(toAdminUserJson(user), 201);
};

export const updateUserHandler: AppRouteHandler<typeof updateUser> = async (c) => {
  const { id } = c.req.valid('param');
  const user = await updateAccount(authDeps(c), actor(c), id, c.req.valid('json'));
  return c.json(toAdminUserJson(user), 200);
};

export const unlockUserHandler: AppRouteHandler<typeof unlockUser> = async (c) => {
  const { id } = c.req.valid('param');
  const { role } = await c.var.auth.live;
  await unlockAccount(c.var.db, { ...actor(c), role }, id);
  return c.body(null, 204);
};

export const endUserSessionsHandler: AppRouteHandler<typeof endUserSessions> = async (c) => {
  const { id } = c.req.valid('param');
  await endAllSessions(c.var.db, authDeps(c).clock, actor(c), id);
  return c.body(null, 204);
};
