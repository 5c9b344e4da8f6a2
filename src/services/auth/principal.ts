import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { sessions, users } from '../../db/schema';
import { type Clock, systemClock } from '../../lib/clock';
import type { Role } from './access-token';

export interface Principal {
  userId: string;
  sessionId: string;
  role: Role;
  email: string;
  mustChangePassword: boolean;
}

/**
 * The live state behind an access token: one primary-key lookup joining the session and
 * its user. A revoked or expired session, or a disabled user, yields null; the role is
 * the database's, so a demotion takes effect on the very next request.
 */
export async function loadPrincipal(
  db: Database,
  userId: string,
  sessionId: string,
  clock: Clock = systemClock,
): Promise<Principal | null> {
  const rows = await db
    .select({
      userId: users.id,
      role: users.role,
      email: users.email,
      mustChangePassword: users.mustChangePassword,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, clock.sqlNow),
        eq(users.isActive, true),
      ),
    )
    .limit(1);
  const row = rows[0];
  return row ? { ...row, sessionId } : null;
}
