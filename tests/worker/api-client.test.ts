import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../client';
import { BASE } from '../helpers/api';
import { createTestProperty, uniqueIp } from '../helpers/listings';
import { createTestUser, TEST_PASSWORD, uniqueEmail } from '../helpers/users';

/** The typed client of `client/`, talking to the Worker under test from one client address. */
function client(options: { accessToken?: string } = {}) {
  return createApiClient(BASE, {
    ...options,
    headers: { 'CF-Connecting-IP': uniqueIp() },
    fetch: (input, init) => SELF.fetch(input, init),
  });
}

describe('the typed client (client/)', () => {
  it('GET /v1/properties through the client returns typed listings and a cursor', async () => {
    const title = `Client search ${crypto.randomUUID()}`;
    const listing = await createTestProperty({ title });
    const res = await client().v1.properties.$get({ query: { q: title, limit: '5' } });
    // 304 is a documented answer too: the status narrows the body's type.
    if (res.status !== 200) throw new Error(`search answered ${res.status}`);
    const page = await res.json();
    expect(page.data.map((p) => p.id)).toContain(listing.id);
    expect(page.data[0]?.priceFormatted).toEqual(expect.any(String));
    expect(page).toHaveProperty('nextCursor');
  });

  it('POST /v1/auth/login through the client returns tokens that GET /v1/me accepts', async () => {
    const user = await createTestUser();
    const res = await client().v1.auth.login.$post({
      json: { email: user.email, password: TEST_PASSWORD, deviceName: 'typed client' },
    });
    expect(res.status).toBe(200);
    const tokens = await res.json();
    expect(tokens.user.email).toBe(user.email);

    const me = await client({ accessToken: tokens.accessToken }).v1.me.$get();
    expect(me.status).toBe(200);
    expect((await me.json()).id).toBe(user.id);
  });

  it('POST /v1/inquiries through the client answers 201 with the new inquiry', async () => {
    const listing = await createTestProperty();
    const res = await client().v1.inquiries.$post({
      header: { 'idempotency-key': crypto.randomUUID() },
      json: {
        propertyId: listing.id,
        name: 'Ada Visitor',
        email: uniqueEmail('client'),
        message: 'Is the garden south facing? I would like to visit.',
      },
    });
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toMatchObject({ id: expect.any(String), status: 'new' });
  });

  it('a problem response reaches the client with its status and problem body', async () => {
    // A value the types refuse, sent anyway: what an out-of-date front end would do.
    const res = await client().v1.properties.$get({ query: { sort: 'not-a-sort' as 'newest' } });
    expect(res.status).toBe(422);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/problem\+json/);
  });
});
