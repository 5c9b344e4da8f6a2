import bcrypt from 'bcryptjs';
import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import type { Role } from '../../src/db/enums';
import { sessions, users } from '../../src/db/schema';
import type { TokensSchema } from '../../src/routes/auth/auth.schemas';
import { signAccessToken } from '../../src/services/auth/access-token';
import { api } from './api';
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

let ipCounter = 0;
/** A client address of its own, so per-IP rate limits of one test never touch another. */
export function randomIp(): string {
  ipCounter += 1;
  const r = () => Math.floor(Math.random() * 256);
  return `10.${r()}.${(ipCounter + r()) % 256}.${r()}`;
}

/** A password that passes the policy (12–64 chars, not common) and is unique per call. */
export function strongPassword(): string {
  return `pw ${Math.random().toString(36).slice(2, 10)} ${Math.random().toString(36).slice(2, 10)} vast meadow`;
}

/** The body of a successful login, register or refresh: the contract's own schema. */
export type TokensBody = z.infer<typeof TokensSchema>;

/** POST /v1/auth/login from a fresh IP unless one is given. */
export function signIn(
  email: string,
  password: string,
  options: { ip?: string; deviceName?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return api('/v1/auth/login', {
    method: 'POST',
    ip: options.ip ?? randomIp(),
    headers: options.headers,
    json: { email, password, ...(options.deviceName ? { deviceName: options.deviceName } : {}) },
  });
}

/** Signs a fixture user in through the API and returns the tokens (a real session and refresh token). */
export async function signInTokens(email: string, password = TEST_PASSWORD, deviceName?: string): Promise<TokensBody> {
  const res = await signIn(email, password, { deviceName });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokensBody;
}
