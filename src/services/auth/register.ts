import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { conflict } from '../../lib/errors';
import { userColumns, userFromRow } from '../users/user-record';
import { newVerificationEmail, verificationEmailCtes } from './email-verification';
import { hashPassword } from './passwords';
import { newSessionCtes, tokensFor } from './sessions';
import type { AuthDeps, ClientInfo, IssuedTokens } from './types';

export const emailTaken = () => conflict('EMAIL_TAKEN', 'An account with this email already exists.');

/**
 * Creates a `user` account, queues its first verification email and signs it in, in one
 * statement: the insert skips on a taken email (then nothing else happens) instead of failing
 * half-way. Returns the tokens and the queued email's id (to send it right after the response).
 */
export async function register(
  deps: AuthDeps,
  input: { email: string; password: string; name: string },
  client: ClientInfo,
): Promise<{ tokens: IssuedTokens; notificationIds: string[] }> {
  const passwordHash = await hashPassword(input.password, deps.config.BCRYPT_COST);
  const now = deps.clock.sqlNow;
  const session = await newSessionCtes(deps, client, 'u', 'user_registered');
  const verification = await newVerificationEmail();
  const result = await deps.db.execute(sql`
    with u as (
      insert into users (id, email, password_hash, name, role, last_login_at, password_changed_at)
      values (${uuidv7()}::uuid, ${input.email}, ${passwordHash}, ${input.name}, 'user', ${now}, ${now})
      on conflict (email) do nothing
      returning ${userColumns('users')}
    ), ${session.ctes}, ${verificationEmailCtes('u', verification, now)}
    select u.* from u`);
  const row = result.rows[0];
  if (!row) throw emailTaken();
  const tokens = await tokensFor(deps, userFromRow(row), session.sessionId, session.refreshToken);
  return { tokens, notificationIds: [verification.notificationId] };
}
