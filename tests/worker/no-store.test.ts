import { describe, expect, it } from 'vitest';
import { api } from '../helpers/api';
import { createTestUser, randomIp, signInTokens, strongPassword, uniqueEmail } from '../helpers/users';

// Responses with personal data must never be kept by a browser or a shared cache.
const noStore = (res: Response) => expect(res.headers.get('Cache-Control'), res.url).toBe('no-store');

describe('Cache-Control: no-store on personal data', () => {
  it('GET /v1/me, PATCH /v1/me and GET /v1/me/sessions answer no-store', async () => {
    const user = await createTestUser();
    const me = await api('/v1/me', { token: user.token });
    expect(me.status).toBe(200);
    noStore(me);
    const patched = await api('/v1/me', { method: 'PATCH', token: user.token, json: { name: 'Renamed' } });
    expect(patched.status).toBe(200);
    noStore(patched);
    const sessions = await api('/v1/me/sessions', { token: user.token });
    expect(sessions.status).toBe(200);
    noStore(sessions);
  });

  it('POST /v1/auth/register, login and refresh answer no-store with their tokens', async () => {
    const email = uniqueEmail('nostore');
    const password = strongPassword();
    const registered = await api('/v1/auth/register', {
      method: 'POST',
      ip: randomIp(),
      json: { email, password, name: 'No Store' },
    });
    expect(registered.status).toBe(201);
    noStore(registered);
    const tokens = await signInTokens(email, password);
    const refreshed = await api('/v1/auth/refresh', {
      method: 'POST',
      ip: randomIp(),
      json: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.status).toBe(200);
    noStore(refreshed);
  });

  it('GET, POST and PATCH /v1/admin/users answer no-store', async () => {
    const root = await createTestUser({ role: 'super_admin' });
    const target = await createTestUser();
    const list = await api('/v1/admin/users?limit=1', { token: root.token });
    expect(list.status).toBe(200);
    noStore(list);
    const created = await api('/v1/admin/users', {
      method: 'POST',
      token: root.token,
      json: { email: uniqueEmail('nostore-created'), name: 'Created', password: strongPassword(), role: 'user' },
    });
    expect(created.status).toBe(201);
    noStore(created);
    const patched = await api(`/v1/admin/users/${target.id}`, {
      method: 'PATCH',
      token: root.token,
      json: { name: 'P' },
    });
    expect(patched.status).toBe(200);
    noStore(patched);
  });

  it('GET /v1/admin/inquiries answers no-store', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const list = await api('/v1/admin/inquiries?limit=1', { token: admin.token });
    expect(list.status).toBe(200);
    noStore(list);
  });
});
