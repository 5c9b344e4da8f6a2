import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { AlertFrequency } from '../../src/db/enums';
import { savedSearches } from '../../src/db/schema';
import { cursorSecret, encodeCursor } from '../../src/lib/cursor';
import { createUnsubscribeToken } from '../../src/services/saved-searches/unsubscribe-token';
import { api, apiRequest, expectProblem, json } from '../helpers/api';
import { testConfig, testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, randomIp } from '../helpers/users';

const PATH = '/v1/alerts/unsubscribe';
const secret = () => cursorSecret(testConfig());

/** A saved search of a fresh user, stored directly, with its unsubscribe token. */
async function savedSearch(frequency: AlertFrequency = 'instant') {
  const user = await createTestUser();
  const id = uuidv7();
  await testDb()
    .insert(savedSearches)
    .values({ id, userId: user.id, name: 'Alerted', query: {}, alerts: ['new_listing'], frequency });
  return { id, user, token: await createUnsubscribeToken(secret(), id) };
}

const frequencyOf = async (id: string) =>
  (await testDb().select().from(savedSearches).where(eq(savedSearches.id, id)))[0]?.frequency;

function unsubscribeJson(body: unknown, query = '') {
  return api(`${PATH}${query}`, { method: 'POST', ip: randomIp(), json: body });
}

/** What a mail client sends to the List-Unsubscribe URL (RFC 8058). */
function oneClick(token: string | undefined, body = 'List-Unsubscribe=One-Click', contentType?: string) {
  const query = token === undefined ? '' : `?${new URLSearchParams({ token })}`;
  return api(`${PATH}${query}`, {
    method: 'POST',
    ip: randomIp(),
    body,
    headers: { 'Content-Type': contentType ?? 'application/x-www-form-urlencoded' },
  });
}

describe('POST /v1/alerts/unsubscribe', () => {
  it('POST /v1/alerts/unsubscribe with {token} turns that search’s alerts off, without sign-in, twice alike', async () => {
    const target = await savedSearch();
    const bystander = await savedSearch();
    const first = await unsubscribeJson({ token: target.token });
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    expect(await frequencyOf(target.id)).toBe('off');
    expect(await frequencyOf(bystander.id)).toBe('instant');
    // Idempotent: a repeat (a second click) answers the same.
    expect((await unsubscribeJson({ token: target.token })).status).toBe(204);
    expect(await frequencyOf(target.id)).toBe('off');
  });

  it('POST /v1/alerts/unsubscribe takes RFC 8058 one-click: token in the URL, List-Unsubscribe=One-Click form body', async () => {
    const target = await savedSearch('weekly');
    const res = await oneClick(target.token);
    expect(res.status).toBe(204);
    expect(await frequencyOf(target.id)).toBe('off');
    expect(
      (await oneClick(target.token, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded; charset=utf-8'))
        .status,
    ).toBe(204);
  });

  it('POST /v1/alerts/unsubscribe: after the owner turns alerts back on, the same old link turns them off again', async () => {
    const target = await savedSearch('daily');
    expect((await unsubscribeJson({ token: target.token })).status).toBe(204);
    const on = await api(`/v1/me/saved-searches/${target.id}`, {
      method: 'PATCH',
      token: target.user.token,
      json: { frequency: 'daily' },
    });
    expect(on.status).toBe(200);
    expect((await json(on)).frequency).toBe('daily');
    // The same old link still works: the token does not expire.
    expect((await oneClick(target.token)).status).toBe(204);
    expect(await frequencyOf(target.id)).toBe('off');
  });

  it('POST /v1/alerts/unsubscribe with the token of a deleted search is a 204 (nothing is left to alert)', async () => {
    const target = await savedSearch();
    await testDb().delete(savedSearches).where(eq(savedSearches.id, target.id));
    expect((await unsubscribeJson({ token: target.token })).status).toBe(204);
    expect((await oneClick(target.token)).status).toBe(204);
  });

  it('POST /v1/alerts/unsubscribe refuses forged, altered, garbage and other-kind tokens with 400 INVALID_UNSUBSCRIBE_TOKEN', async () => {
    const target = await savedSearch();
    const [body, mac] = target.token.split('.') as [string, string];
    const flip = (s: string) => `${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
    // A real cursor of the public search: signed by this server, but for another scope.
    const city = `Cursorville ${Math.random().toString(36).slice(2, 8)}`;
    await createTestProperty({ city });
    await createTestProperty({ city });
    const page = await json<{ nextCursor: string | null }>(
      await api(`/v1/properties?${new URLSearchParams({ city, limit: '1' })}`),
    );
    expect(page.nextCursor).toBeTruthy();
    // Another search's id under this token's signature.
    const other = await savedSearch();
    const forgedPayload = btoa(JSON.stringify({ s: other.id }))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    const tokens = [
      `${body}.${flip(mac)}`,
      `${flip(body)}.${mac}`,
      `${forgedPayload}.${mac}`,
      await createUnsubscribeToken('another secret that is long enough to sign with', target.id),
      await encodeCursor(secret(), { s: target.id }),
      await encodeCursor(secret(), { s: target.id }, { scope: 'alerts/unsubscribe/v2' }),
      page.nextCursor as string,
      'garbage',
      `${target.token}.extra`,
      target.id,
      'a'.repeat(2048),
    ];
    for (const token of tokens) {
      await expectProblem(await unsubscribeJson({ token }), 400, 'INVALID_UNSUBSCRIBE_TOKEN');
      await expectProblem(await oneClick(token), 400, 'INVALID_UNSUBSCRIBE_TOKEN');
    }
    expect(await frequencyOf(target.id)).toBe('instant');
    expect(await frequencyOf(other.id)).toBe('instant');
  });

  it('POST /v1/alerts/unsubscribe refuses a signed token whose id is not a uuid with a 400', async () => {
    const token = await createUnsubscribeToken(secret(), "x'; update saved_searches set frequency='off'; --");
    await expectProblem(await unsubscribeJson({ token }), 400, 'INVALID_UNSUBSCRIBE_TOKEN');
  });

  it('POST /v1/alerts/unsubscribe takes exactly the two shapes: anything else is a 4xx and changes nothing', async () => {
    const target = await savedSearch();
    const t = target.token;
    const raw = (query: string, body: BodyInit | undefined, contentType?: string) =>
      SELF.fetch(
        apiRequest(`${PATH}${query}`, {
          method: 'POST',
          ip: randomIp(),
          body,
          headers: contentType ? { 'Content-Type': contentType } : {},
        }),
      );
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const cases: Array<{ res: Promise<Response>; status: number; code: string }> = [
      // JSON: the token in the body only, nothing else beside it.
      { res: unsubscribeJson({}), status: 422, code: 'VALIDATION_FAILED' },
      { res: unsubscribeJson({ token: t, frequency: 'instant' }), status: 422, code: 'VALIDATION_FAILED' },
      { res: unsubscribeJson({ token: '' }), status: 422, code: 'VALIDATION_FAILED' },
      { res: unsubscribeJson({ token: 'a'.repeat(2049) }), status: 422, code: 'VALIDATION_FAILED' },
      { res: unsubscribeJson({ token: 42 }), status: 422, code: 'VALIDATION_FAILED' },
      {
        res: unsubscribeJson({ token: t }, `?${new URLSearchParams({ token: t })}`),
        status: 422,
        code: 'VALIDATION_FAILED',
      },
      { res: raw('', '{"token":', 'application/json'), status: 400, code: 'MALFORMED_REQUEST' },
      // One-click: the exact form body, with the token in the URL.
      { res: oneClick(undefined), status: 422, code: 'VALIDATION_FAILED' },
      { res: oneClick(t, 'List-Unsubscribe=Yes'), status: 422, code: 'VALIDATION_FAILED' },
      { res: oneClick(t, ''), status: 422, code: 'VALIDATION_FAILED' },
      { res: oneClick(t, 'List-Unsubscribe=One-Click&frequency=instant'), status: 422, code: 'VALIDATION_FAILED' },
      {
        res: oneClick(t, 'List-Unsubscribe=One-Click&List-Unsubscribe=One-Click'),
        status: 422,
        code: 'VALIDATION_FAILED',
      },
      { res: oneClick(t, `token=${encodeURIComponent(t)}`), status: 422, code: 'VALIDATION_FAILED' },
      {
        res: raw(
          `?${new URLSearchParams({ token: t, extra: '1' })}`,
          'List-Unsubscribe=One-Click',
          'application/x-www-form-urlencoded',
        ),
        status: 422,
        code: 'VALIDATION_FAILED',
      },
      // Other media types, or none.
      { res: raw(`?${new URLSearchParams({ token: t })}`, form), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      {
        res: raw(`?${new URLSearchParams({ token: t })}`, 'List-Unsubscribe=One-Click', 'text/plain'),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      { res: raw(`?${new URLSearchParams({ token: t })}`, undefined), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      // multipart is refused as a media type, whatever its parts (not validated as the form first).
      {
        res: raw(`?${new URLSearchParams({ token: t })}`, new FormData()),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        res: raw(`?${new URLSearchParams({ token: t })}`, '--x--', 'multipart/form-data; boundary=x'),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      {
        res: raw(`?${new URLSearchParams({ token: t })}`, 'List-Unsubscribe=One-Click'),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
    ];
    for (const [i, c] of cases.entries()) {
      const res = await c.res;
      const text = await res.clone().text();
      expect(res.status, `case ${i}: ${text}`).toBe(c.status);
      await expectProblem(res, c.status, c.code);
    }
    expect(await frequencyOf(target.id)).toBe('instant');
  });

  it('one-click unsubscribes with valid tokens are never refused for their number: a mail provider relays many recipients’ clicks from one address', async () => {
    const ip = randomIp();
    const searches = await Promise.all(Array.from({ length: 30 }, () => savedSearch('daily')));
    const statuses: number[] = [];
    for (const s of searches) {
      const res = await api(`${PATH}?${new URLSearchParams({ token: s.token })}`, {
        method: 'POST',
        ip,
        body: 'List-Unsubscribe=One-Click',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual(searches.map(() => 204));
    for (const s of searches) expect(await frequencyOf(s.id)).toBe('off');
    // Invalid tokens from that address are still limited.
    let limited = false;
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await api(PATH, { method: 'POST', ip, json: { token: 'garbage' } });
      limited = res.status === 429;
      await res.arrayBuffer();
    }
    expect(limited).toBe(true);
  });

  it('POST /v1/alerts/unsubscribe is rate limited per client with a 429 and Retry-After', async () => {
    const ip = randomIp();
    let limited: Response | undefined;
    const statuses: number[] = [];
    for (let i = 0; i < 30 && !limited; i++) {
      const res = await api(PATH, { method: 'POST', ip, json: { token: 'garbage' } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    expect(limited, `statuses: ${statuses.join(',')}`).toBeDefined();
    expect(Number(limited?.headers.get('Retry-After'))).toBeGreaterThan(0);
    await expectProblem(limited as Response, 429, 'RATE_LIMITED');
    // Another client still has its own budget.
    expect((await unsubscribeJson({ token: 'garbage' })).status).toBe(400);
  });
});
