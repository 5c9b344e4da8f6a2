import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../env';
import { notFound } from '../../lib/errors';
import { endSessions, listSessions as listUserSessions } from '../../services/auth/sessions';
import { changePassword as changeUserPassword, updateOwnName } from '../../services/users/profile';
import { toUserJson } from '../auth/auth.schemas';
import { authDeps, clientInfo, principal } from '../auth/request-context';
import type { changePassword, endSession, getMe, listSessions, patchMe } from './me.routes';

export const getMeHandler: RouteHandler<typeof getMe, AppEnv> = async (c) => {
  const { user } = await principal(c).live;
  return c.json(toUserJson(user), 200);
};

export const patchMeHandler: RouteHandler<typeof patchMe, AppEnv> = async (c) => {
  const { name } = c.req.valid('json');
  const user = await updateOwnName(c.get('db'), principal(c).userId, name);
  return c.json(toUserJson(user), 200);
};

export const changePasswordHandler: RouteHandler<typeof changePassword, AppEnv> = async (c) => {
  const { currentPassword, newPassword } = c.req.valid('json');
  const { userId, sessionId } = principal(c);
  await changeUserPassword(authDeps(c), { userId, sessionId, currentPassword, newPassword, ip: clientInfo(c).ip });
  return c.body(null, 204);
};

export const listSessionsHandler: RouteHandler<typeof listSessions, AppEnv> = async (c) => {
  const { userId, sessionId } = principal(c);
  const sessions = await listUserSessions(c.get('db'), userId, sessionId, authDeps(c).clock);
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      data: sessions.map((s) => ({
        id: s.id,
        deviceName: s.deviceName,
        userAgent: s.userAgent,
        ipAddress: s.ipAddress,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: s.lastUsedAt.toISOString(),
        expiresAt: s.expiresAt.toISOString(),
        current: s.current,
      })),
    },
    200,
  );
};

export const endSessionHandler: RouteHandler<typeof endSession, AppEnv> = async (c) => {
  const { id } = c.req.valid('param');
  const { userId } = principal(c);
  // Scoped to the caller: another user's session id matches nothing, so it is a plain 404.
  const ended = await endSessions(c.get('db'), {
    userId,
    sessionId: id,
    reason: 'ended_by_user',
    clock: authDeps(c).clock,
    ip: clientInfo(c).ip,
    actorId: userId,
  });
  if (ended === 0) throw notFound('SESSION_NOT_FOUND', 'No such session.');
  return c.body(null, 204);
};
