import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Role } from '../../db/enums';
import { sessions, users } from '../../db/schema';
import { type Clock, systemClock } from '../../lib/clock';
import type { UserRecord } from '../users/user-record';

export interface Principal {
  userId: string;
  sessionId: string;
  role: Role;
  email: string;
  mustChangePassword: boolean;
  /** The whole profile, from the same lookup: GET /v1/me needs no second query. */
  user: UserRecord;
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
      id: users.id,
      email: users.email,
      name: users.name,
      role: users.role,
      isActive: users.isActive,
      mustChangePassword: users.mustChangePassword,
      emailVerifiedAt: users.emailVerifiedAt,
      lastLoginAt: users.lastLoginAt,
      lockedAt: users.lockedAt,
      failedLoginCount: users.failedLoginCount,
      createdAt: users.createdAt,
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
  if (!row) return null;
  const { emailVerifiedAt, ...rest } = row;
  const user: UserRecord = { ...rest, emailVerified: emailVerifiedAt !== null };
  return {
    userId: user.id,
    sessionId,
    role: user.role,
    email: user.email,
    mustChangePassword: user.mustChangePassword,
    user,
  };
}
