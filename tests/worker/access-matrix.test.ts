import { beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api';
import { createTestUser, randomIp, type TestUser } from '../helpers/users';

type Caller = 'anon' | 'user' | 'admin' | 'super_admin';
type Needed = 'user' | 'admin' | 'super_admin';

const RANK: Record<Caller, number> = { anon: 0, user: 1, admin: 2, super_admin: 3 };
const CALLERS: Caller[] = ['anon', 'user', 'admin', 'super_admin'];
const ID = '01890000-0000-7000-8000-0000000000aa';

/**
 * Every authenticated route of the contract (API.md) with the least role it needs. Path ids
 * are well-formed but unknown, so callers who are let in get a 404/422 and change nothing.
 */
const ROUTES: Array<{ method: string; path: string; needs: Needed }> = [
  { method: 'GET', path: '/v1/me', needs: 'user' },
  { method: 'PATCH', path: '/v1/me', needs: 'user' },
  { method: 'POST', path: '/v1/me/password', needs: 'user' },
  { method: 'GET', path: '/v1/me/sessions', needs: 'user' },
  { method: 'DELETE', path: `/v1/me/sessions/${ID}`, needs: 'user' },
  { method: 'POST', path: '/v1/me/email-verification', needs: 'user' },
  { method: 'GET', path: '/v1/me/favorites', needs: 'user' },
  { method: 'PUT', path: `/v1/me/favorites/${ID}`, needs: 'user' },
  { method: 'DELETE', path: `/v1/me/favorites/${ID}`, needs: 'user' },
  { method: 'GET', path: '/v1/me/inquiries', needs: 'user' },
  { method: 'GET', path: '/v1/me/saved-searches', needs: 'user' },
  { method: 'POST', path: '/v1/me/saved-searches', needs: 'user' },
  { method: 'GET', path: `/v1/me/saved-searches/${ID}`, needs: 'user' },
  { method: 'PATCH', path: `/v1/me/saved-searches/${ID}`, needs: 'user' },
  { method: 'DELETE', path: `/v1/me/saved-searches/${ID}`, needs: 'user' },
  { method: 'GET', path: '/v1/admin/properties', needs: 'admin' },
  { method: 'POST', path: '/v1/admin/properties', needs: 'admin' },
  { method: 'GET', path: `/v1/admin/properties/${ID}`, needs: 'admin' },
  { method: 'PATCH', path: `/v1/admin/properties/${ID}`, needs: 'admin' },
  { method: 'DELETE', path: `/v1/admin/properties/${ID}`, needs: 'admin' },
  { method: 'POST', path: `/v1/admin/properties/${ID}/status`, needs: 'admin' },
  { method: 'GET', path: `/v1/admin/properties/${ID}/history`, needs: 'admin' },
  { method: 'POST', path: `/v1/admin/properties/${ID}/images`, needs: 'admin' },
  { method: 'PUT', path: `/v1/admin/properties/${ID}/images/order`, needs: 'admin' },
  { method: 'PATCH', path: `/v1/admin/images/${ID}`, needs: 'admin' },
  { method: 'DELETE', path: `/v1/admin/images/${ID}`, needs: 'admin' },
  { method: 'GET', path: '/v1/admin/inquiries', needs: 'admin' },
  { method: 'GET', path: `/v1/admin/inquiries/${ID}`, needs: 'admin' },
  { method: 'PATCH', path: `/v1/admin/inquiries/${ID}`, needs: 'admin' },
  { method: 'GET', path: '/v1/admin/dashboard', needs: 'admin' },
  { method: 'POST', path: `/v1/admin/users/${ID}/unlock`, needs: 'admin' },
  { method: 'GET', path: '/v1/admin/users', needs: 'super_admin' },
  { method: 'POST', path: '/v1/admin/users', needs: 'super_admin' },
  { method: 'PATCH', path: `/v1/admin/users/${ID}`, needs: 'super_admin' },
  { method: 'DELETE', path: `/v1/admin/users/${ID}/sessions`, needs: 'super_admin' },
  { method: 'GET', path: '/v1/admin/system/db', needs: 'super_admin' },
  { method: 'GET', path: '/v1/admin/audit', needs: 'super_admin' },
  { method: 'POST', path: '/v1/admin/system/jobs/no-such-job', needs: 'super_admin' },
  { method: 'GET', path: '/v1/admin/system/alerts', needs: 'super_admin' },
];

/** /v1/admin/users/01…aa/unlock → /v1/admin/users/{id}/unlock, as /openapi.json spells it. */
function templateOf(path: string): RegExp {
  const parts = path.split('/').map((p) => (p === ID || p === 'no-such-job' ? '\\{[^}]+\\}' : p));
  return new RegExp(`^${parts.join('/')}$`);
}

let documented: Record<string, Record<string, unknown>> = {};
const tokens: Partial<Record<Caller, TestUser>> = {};

beforeAll(async () => {
  const res = await api('/openapi.json');
  documented = ((await res.json()) as { paths: typeof documented }).paths;
  for (const role of ['user', 'admin', 'super_admin'] as const) tokens[role] = await createTestUser({ role });
});

function isDocumented(method: string, path: string): boolean {
  const pattern = templateOf(path);
  return Object.entries(documented).some(([p, ops]) => pattern.test(p) && method.toLowerCase() in ops);
}

describe('access matrix', () => {
  for (const route of ROUTES) {
    for (const caller of CALLERS) {
      const allowed = RANK[caller] >= RANK[route.needs];
      const expected = allowed ? 'is let in (neither 401 nor 403)' : caller === 'anon' ? 'is 401' : 'is 403';
      it(`${route.method} ${route.path} as ${caller} ${expected}`, async () => {
        const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
        const res = await api(route.path, {
          method: route.method,
          token: tokens[caller as Needed]?.token,
          ip: randomIp(),
          ...(hasBody ? { json: {} } : {}),
        });
        await res.arrayBuffer();
        if (!isDocumented(route.method, route.path)) {
          // Not built yet by its area: it must at least not exist for anyone.
          expect([404, 405], `${route.method} ${route.path} is not in /openapi.json`).toContain(res.status);
          return;
        }
        if (!allowed) expect(res.status).toBe(caller === 'anon' ? 401 : 403);
        else {
          expect(res.status).not.toBe(401);
          expect(res.status).not.toBe(403);
          expect(res.status).toBeLessThan(500);
        }
      });
    }
  }

  it('GET /openapi.json documents every auth, me and user route', () => {
    const mine = ROUTES.filter((r) => r.path.startsWith('/v1/me') || r.path.startsWith('/v1/admin/users'));
    for (const r of mine) expect(isDocumented(r.method, r.path), `${r.method} ${r.path}`).toBe(true);
    for (const p of [
      '/v1/auth/register',
      '/v1/auth/login',
      '/v1/auth/refresh',
      '/v1/auth/logout',
      '/v1/auth/password-reset',
      '/v1/auth/password-reset/confirm',
      '/v1/auth/verify-email',
    ]) {
      expect(documented[p]?.post, p).toBeDefined();
    }
  });
});

describe('access matrix: objects of another user', () => {
  it('GET, PATCH and DELETE /v1/me/saved-searches/:id of another user’s search are a 404 for every role', async () => {
    const owner = await createTestUser();
    const created = await api('/v1/me/saved-searches', {
      method: 'POST',
      token: owner.token,
      json: { name: 'Owned', query: { city: 'Austin' } },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    for (const role of ['user', 'admin', 'super_admin'] as const) {
      const token = tokens[role]?.token;
      for (const [method, body] of [['GET'], ['PATCH', { name: 'Taken' }], ['DELETE']] as const) {
        const res = await api(`/v1/me/saved-searches/${id}`, { method, token, ...(body ? { json: body } : {}) });
        expect(res.status, `${method} as ${role}`).toBe(404);
        await res.arrayBuffer();
      }
    }
    const mine = await api(`/v1/me/saved-searches/${id}`, { token: owner.token });
    expect(((await mine.json()) as { name: string }).name).toBe('Owned');
  });

  it('POST /v1/alerts/unsubscribe needs no sign-in: anon and every role get the same answer', async () => {
    for (const caller of CALLERS) {
      const res = await api('/v1/alerts/unsubscribe', {
        token: tokens[caller as Needed]?.token,
        ip: randomIp(),
        json: { token: 'not-a-token' },
      });
      expect(res.status, caller).toBe(400);
      await res.arrayBuffer();
    }
  });
});
