import { notFound } from '../../lib/errors';
import { requestEmailVerification as queueVerificationEmail } from '../../services/auth/email-verification';
import { endSessions, listSessions as listUserSessions } from '../../services/auth/sessions';
import { changePassword as changeUserPassword, updateOwnName } from '../../services/users/profile';
import { ACCEPTED } from '../auth/auth.schemas';
import { type AppRouteHandler, auditContext, authDeps, clientInfo } from '../shared/request-context';
import { sendSoon } from '../shared/send-soon';
import { toUserJson } from '../shared/users';
import type { changePassword, endSession, getMe, listSessions, patchMe, requestEmailVerification } from './me.routes';

export const getMeHandler: AppRouteHandler<typeof getMe> = async (c) => {
  const { user } = await c.var.auth.live;
  return c.json(toUserJson(user), 200);
};

export const patchMeHandler: AppRouteHandler<typeof patchMe> = async (c) => {
  const { name } = c.req.valid('json');
  const user = await updateOwnName(c.var.db, c.var.auth.userId, name);
  return c.json(toUserJson(user), 200);
};

export const changePasswordHandler: AppRouteHandler<typeof changePassword> = async (c) => {
  const { currentPassword, newPassword } = c.req.valid('json');
  const { userId, sessionId } = c.var.auth;
  await changeUserPassword(authDeps(c), {
    userId,
    sessionId,
    currentPassword,
    newPassword,
    ip: clientInfo(c).ip,
    requestId: c.var.requestId,
  });
  return c.body(null, 204);
};

export const listSessionsHandler: AppRouteHandler<typeof listSessions> = async (c) => {
  const { userId, sessionId } = c.var.auth;
  const sessions = await listUserSessions(c.var.db, userId, sessionId, authDeps(c).clock);
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

export const endSessionHandler: AppRouteHandler<typeof endSession> = async (c) => {
  const { id } = c.req.valid('param');
  const { userId } = c.var.auth;
  // Scoped to the caller: another user's session id matches nothing, so it is a plain 404.
  const ended = await endSessions(c.var.db, {
    userId,
    sessionId: id,
    reason: 'ended_by_user',
    clock: authDeps(c).clock,
    ip: clientInfo(c).ip,
    actorId: userId,
    audit: { context: auditContext(c, userId), action: 'session.end' },
  });
  if (ended === 0) throw notFound('SESSION_NOT_FOUND', 'No such session.');
  return c.body(null, 204);
};

export const requestEmailVerificationHandler: AppRouteHandler<typeof requestEmailVerification> = async (c) => {
  sendSoon(c, await queueVerificationEmail(authDeps(c), c.var.auth.userId));
  return c.json(ACCEPTED, 202);
};
