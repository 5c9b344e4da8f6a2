import bcrypt from 'bcryptjs';
import { v7 as uuidv7 } from 'uuid';
import { sessions, users } from '../../src/db/schema';
import { type Role, signAccessToken } from '../../src/services/auth/access-token';
import { testConfig, testDb } from './db';

export const TEST_PASSWORD = 'correct horse battery staple';
// Cost 4 keeps fixtures fast; tests that measure the real cost hash their own.
const TEST_PASSWORD_HASH = bcrypt.hashSync(TEST_PASSWORD, 4);

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  sessionId: string;
  token: string;
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Inserts a user with a live session and returns a signed access token for it. */
export async function createTestUser(
  options: { role?: Role; mustChangePassword?: boolean; isActive?: boolean; email?: string; name?: string } = {},
): Promise<TestUser> {
  const db = testDb();
  const id = uuidv7();
  const sessionId = uuidv7();
  const role = options.role ?? 'user';
  const email = options.email ?? uniqueEmail(role);
  await db.batch([
    db.insert(users).values({
      id,
      email,
      passwordHash: TEST_PASSWORD_HASH,
      name: options.name ?? `Test ${role}`,
      role,
      mustChangePassword: options.mustChangePassword ?? false,
      isActive: options.isActive ?? true,
    }),
    db.insert(sessions).values({
      id: sessionId,
      userId: id,
      deviceName: 'vitest',
      expiresAt: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    }),
  ]);
  const token = await signAccessToken(testConfig(), { userId: id, sessionId, role });
  return { id, email, role, sessionId, token };
}
