import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { signAccessToken, verifyAccessToken } from '../../src/services/auth/access-token';
import { api, expectProblem } from '../helpers/api';
import { testConfig } from '../helpers/db';
import { createTestUser, signInTokens, type TestUser } from '../helpers/users';

const b64url = (value: string | Uint8Array) => {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
};

async function hmac(secret: string, data: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return b64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(data))));
}

/** Builds a token by hand, so that every header and claim is under the attacker's control. */
async function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string) {
  const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${head}.${secret ? await hmac(secret, head) : ''}`;
}

function claims(user: TestUser, overrides: Record<string, unknown> = {}) {
  const config = testConfig();
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: user.id,
    sid: user.sessionId,
    role: user.role,
    iss: config.JWT_ISSUER,
    aud: config.JWT_AUDIENCE,
    iat: now,
    exp: now + 600,
    ...overrides,
  };
}

const me = (token: string) => api('/v1/me', { token });
const HEADER = { alg: 'HS256', typ: 'JWT', kid: 'k1' };

describe('access token attacks on GET /v1/me', () => {
  it('GET /v1/me accepts a correctly forged control token (the harness itself is sound)', async () => {
    const user = await createTestUser();
    const token = await forge(HEADER, claims(user), testConfig().JWT_SECRET);
    expect((await me(token)).status).toBe(200);
  });

  it('GET /v1/me refuses alg:none', async () => {
    const user = await createTestUser();
    for (const alg of ['none', 'None', 'NONE']) {
      const token = await forge({ alg, typ: 'JWT', kid: 'k1' }, claims(user));
      await expectProblem(await me(`${token}`), 401);
      await expectProblem(await me(`${token}AAAA`), 401);
    }
  });

  it('GET /v1/me refuses an HS/RS swap (RS256 header signed with the HMAC secret)', async () => {
    const user = await createTestUser();
    for (const alg of ['RS256', 'ES256', 'HS512', 'PS256']) {
      const token = await forge({ alg, typ: 'JWT', kid: 'k1' }, claims(user), testConfig().JWT_SECRET);
      await expectProblem(await me(token), 401, 'INVALID_TOKEN');
    }
  });

  it('GET /v1/me refuses a token without exp, or with exp far beyond 15 minutes', async () => {
    const user = await createTestUser();
    const { exp: _exp, ...noExp } = claims(user);
    await expectProblem(await me(await forge(HEADER, noExp, testConfig().JWT_SECRET)), 401, 'INVALID_TOKEN');
    const long = claims(user, { exp: Math.floor(Date.now() / 1000) + 365 * 24 * 3600 });
    await expectProblem(await me(await forge(HEADER, long, testConfig().JWT_SECRET)), 401, 'INVALID_TOKEN');
    const { iat: _iat, ...noIat } = claims(user);
    await expectProblem(await me(await forge(HEADER, noIat, testConfig().JWT_SECRET)), 401, 'INVALID_TOKEN');
  });

  it('GET /v1/me refuses another aud or iss', async () => {
    const user = await createTestUser();
    const secret = testConfig().JWT_SECRET;
    await expectProblem(
      await me(await forge(HEADER, claims(user, { aud: 'other-api' }), secret)),
      401,
      'INVALID_TOKEN',
    );
    await expectProblem(
      await me(await forge(HEADER, claims(user, { iss: 'evil-issuer' }), secret)),
      401,
      'INVALID_TOKEN',
    );
    const { aud: _aud, ...noAud } = claims(user);
    await expectProblem(await me(await forge(HEADER, noAud, secret)), 401, 'INVALID_TOKEN');
  });

  it('GET /v1/me refuses an expired token', async () => {
    const user = await createTestUser();
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await signAccessToken(
      testConfig(),
      { userId: user.id, sessionId: user.sessionId, role: 'user' },
      past,
    );
    await expectProblem(await me(token), 401, 'INVALID_TOKEN');
  });

  it('GET /v1/me refuses a tampered payload (role raised, signature kept)', async () => {
    const user = await createTestUser();
    const [head, payload, signature] = user.token.split('.');
    const decoded = JSON.parse(atob((payload as string).replaceAll('-', '+').replaceAll('_', '/')));
    const tampered = `${head}.${b64url(JSON.stringify({ ...decoded, role: 'super_admin' }))}.${signature}`;
    await expectProblem(await me(tampered), 401, 'INVALID_TOKEN');
    await expectProblem(await api('/v1/admin/users', { token: tampered }), 401, 'INVALID_TOKEN');
  });

  it('GET /v1/me refuses a token signed with another key, or naming an unknown key id', async () => {
    const user = await createTestUser();
    const other = 'another-secret-that-is-also-long-enough-0123456789';
    await expectProblem(await me(await forge(HEADER, claims(user), other)), 401, 'INVALID_TOKEN');
    await expectProblem(
      await me(await forge({ ...HEADER, kid: 'k0' }, claims(user), testConfig().JWT_SECRET)),
      401,
      'INVALID_TOKEN',
    );
    const { kid: _kid, ...noKid } = HEADER;
    await expectProblem(await me(await forge(noKid, claims(user), testConfig().JWT_SECRET)), 401, 'INVALID_TOKEN');
  });

  it('GET /v1/me refuses a refresh token presented as an access token', async () => {
    const user = await createTestUser();
    const tokens = await signInTokens(user.email);
    await expectProblem(await me(tokens.refreshToken), 401, 'UNAUTHORIZED');
    await expectProblem(await api('/v1/me', { headers: { Authorization: tokens.refreshToken } }), 401);
  });

  it('GET /v1/me refuses a valid signature over a session that is not the subject’s', async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const token = await forge(HEADER, claims(user, { sid: other.sessionId }), testConfig().JWT_SECRET);
    await expectProblem(await me(token), 401, 'SESSION_ENDED');
  });

  it('GET /v1/me uses the role from the database, not the one in the token', async () => {
    const user = await createTestUser();
    const token = await forge(HEADER, claims(user, { role: 'super_admin' }), testConfig().JWT_SECRET);
    await expectProblem(await api('/v1/admin/users', { token }), 403, 'FORBIDDEN');
  });

  it('GET /v1/me with no or a malformed Authorization header is a 401', async () => {
    await expectProblem(await api('/v1/me'), 401, 'UNAUTHORIZED');
    await expectProblem(await api('/v1/me', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }), 401);
    await expectProblem(await api('/v1/me', { headers: { Authorization: 'Bearer ' } }), 401);
  });
});

describe('signing key rotation', () => {
  it('verifyAccessToken accepts the previous key during the overlap, and only under its own key id', async () => {
    const user = await createTestUser();
    const oldSecret = 'the-old-secret-that-is-long-enough-for-hs256-9876';
    const base = testConfig();
    const before = { ...base, JWT_SECRET: oldSecret, JWT_KEY_ID: 'k0' };
    const rotated = { ...base, JWT_KEY_ID: 'k1', JWT_PREVIOUS_SECRET: oldSecret, JWT_PREVIOUS_KEY_ID: 'k0' };
    const after = { ...base, JWT_KEY_ID: 'k1' };
    const subject = { userId: user.id, sessionId: user.sessionId, role: 'user' as const };
    const oldToken = await signAccessToken(before, subject);
    expect(await verifyAccessToken(rotated, oldToken)).toMatchObject({ sub: user.id });
    expect(await verifyAccessToken(after, oldToken)).toBeNull();
    const newToken = await signAccessToken(rotated, subject);
    expect(await verifyAccessToken(rotated, newToken)).toMatchObject({ sub: user.id });
    // The old key id with the old secret must not verify tokens claiming the new key id.
    const confused = await sign({ ...claims(user), iat: Math.floor(Date.now() / 1000) }, {
      kty: 'oct',
      k: b64url(oldSecret),
      alg: 'HS256',
      kid: 'k1',
    } as never);
    expect(await verifyAccessToken(rotated, confused)).toBeNull();
  });
});
