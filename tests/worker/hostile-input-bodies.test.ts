import { describe, expect, it } from 'vitest';
import { fixture } from '../fixtures/images/fixtures.generated';
import { api, expectProblem, json } from '../helpers/api';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, randomIp } from '../helpers/users';

/**
 * Bodies that are too big, too slow, of the wrong type, malformed or absurdly shaped: each
 * gets a clear 4xx problem, and the oversized ones are refused before they are read in full.
 */

const MAX_JSON = 1_048_576;

const inquiry = (propertyId?: string) => ({
  ...(propertyId ? { propertyId } : {}),
  name: 'Hostile Tester',
  email: 'hostile@example.com',
  message: 'Checking how the API copes with odd bodies.',
});

/** A body that never ends by itself; counts what the server pulled from it. */
function endlessBody(chunkBytes: number, cap: number) {
  let pulled = 0;
  const chunk = new TextEncoder().encode('x'.repeat(chunkBytes));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= cap) {
        controller.close();
        return;
      }
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

/** A small body dripped out in pieces with pauses in between. */
function slowBody(text: string, pieces: number, pauseMs: number) {
  const bytes = new TextEncoder().encode(text);
  const size = Math.ceil(bytes.byteLength / pieces);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= bytes.byteLength) {
        controller.close();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

describe('hostile input: size', () => {
  it('POST /v1/inquiries refuses a JSON body over the limit with 413 from its Content-Length', async () => {
    const body = JSON.stringify({ ...inquiry(), message: 'x'.repeat(MAX_JSON + 10) });
    await expectProblem(
      await api('/v1/inquiries', { body, headers: { 'Content-Type': 'application/json' }, ip: randomIp() }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('POST /v1/inquiries refuses an endless streamed body with 413 once the limit passes, without reading on', async () => {
    const body = endlessBody(64 * 1024, 64 * MAX_JSON);
    const res = await api('/v1/inquiries', {
      body: body.stream,
      headers: { 'Content-Type': 'application/json' },
      ip: randomIp(),
    });
    await expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    // It stopped near the limit instead of draining all 64 MiB.
    expect(body.pulled()).toBeLessThan(4 * MAX_JSON);
  });

  it('POST /v1/auth/login refuses an endless streamed body with 413 too', async () => {
    const body = endlessBody(256 * 1024, 64 * MAX_JSON);
    await expectProblem(
      await api('/v1/auth/login', {
        body: body.stream,
        headers: { 'Content-Type': 'application/json' },
        ip: randomIp(),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expect(body.pulled()).toBeLessThan(4 * MAX_JSON);
  });

  it('POST /v1/admin/properties/:id/images refuses an endless streamed upload with 413 once the image limit passes', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const body = endlessBody(1024 * 1024, 200 * MAX_JSON);
    await expectProblem(
      await api(`/v1/admin/properties/${listing.id}/images`, {
        method: 'POST',
        token: admin.token,
        body: body.stream,
        headers: { 'Content-Type': 'image/png' },
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    expect(body.pulled()).toBeLessThan(40 * MAX_JSON);
  });

  it('POST /v1/inquiries still accepts a small body that arrives slowly', async () => {
    const listing = await createTestProperty();
    const res = await api('/v1/inquiries', {
      body: slowBody(JSON.stringify(inquiry(listing.id)), 5, 20),
      headers: { 'Content-Type': 'application/json' },
      ip: randomIp(),
    });
    expect(res.status).toBe(201);
  });

  it('POST /v1/events answers a 10,000-element events array with 422', async () => {
    const events = Array.from({ length: 10_000 }, () => ({ type: 'search' }));
    await expectProblem(await api('/v1/events', { json: { events }, ip: randomIp() }), 422, 'VALIDATION_FAILED');
  });

  it('PUT /v1/admin/properties/:id/images/order answers 10,000 image ids with 422', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const imageIds = Array.from({ length: 10_000 }, () => crypto.randomUUID());
    await expectProblem(
      await api(`/v1/admin/properties/${listing.id}/images/order`, {
        method: 'PUT',
        token: admin.token,
        json: { imageIds },
      }),
      422,
    );
  });

  it('POST /v1/inquiries answers a bare 10,000-element array with 422', async () => {
    const body = Array.from({ length: 10_000 }, (_, i) => i);
    await expectProblem(await api('/v1/inquiries', { json: body, ip: randomIp() }), 422, 'VALIDATION_FAILED');
  });

  it('POST /v1/auth/login answers a 10,000-element array in place of the email with 422', async () => {
    const email = Array.from({ length: 10_000 }, () => 'a@example.com');
    await expectProblem(
      await api('/v1/auth/login', { json: { email, password: 'x'.repeat(20) }, ip: randomIp() }),
      422,
      'VALIDATION_FAILED',
    );
  });
});

describe('hostile input: shape', () => {
  it('POST /v1/inquiries answers JSON nested 100,000 deep with a 4xx, never a 500', async () => {
    const body = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const res = await api('/v1/inquiries', { body, headers: { 'Content-Type': 'application/json' }, ip: randomIp() });
    expect([400, 422]).toContain(res.status);
    await expectProblem(res, res.status);
  });

  it('POST /v1/events answers metadata nested 50,000 deep with a 4xx, never a 500', async () => {
    const metadata = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    const body = `{"events":[{"type":"search","metadata":${metadata}}]}`;
    const res = await api('/v1/events', { body, headers: { 'Content-Type': 'application/json' }, ip: randomIp() });
    expect([400, 413, 422]).toContain(res.status);
    await expectProblem(res, res.status);
  });

  it('POST /v1/inquiries answers malformed JSON with 400 MALFORMED_REQUEST', async () => {
    for (const body of ['{', '{"name":', "{'a':1}", '{"a":1,}', 'nul', '\u0000']) {
      await expectProblem(
        await api('/v1/inquiries', { body, headers: { 'Content-Type': 'application/json' }, ip: randomIp() }),
        400,
        'MALFORMED_REQUEST',
      );
    }
  });

  it('POST /v1/inquiries answers an empty JSON body with a 4xx', async () => {
    const res = await api('/v1/inquiries', {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'application/json' },
      ip: randomIp(),
    });
    expect([400, 422]).toContain(res.status);
    await expectProblem(res, res.status);
  });

  it('POST /v1/inquiries answers bytes that are not UTF-8 with a 4xx', async () => {
    const body = new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]);
    const res = await api('/v1/inquiries', { body, headers: { 'Content-Type': 'application/json' }, ip: randomIp() });
    expect([400, 422]).toContain(res.status);
    await expectProblem(res, res.status);
  });

  it('POST /v1/inquiries refuses __proto__ and constructor keys with 422 and pollutes nothing', async () => {
    const body = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(inquiry()).slice(1)}`;
    const res = await api('/v1/inquiries', { body, headers: { 'Content-Type': 'application/json' }, ip: randomIp() });
    await expectProblem(res, 422, 'VALIDATION_FAILED');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('POST /v1/inquiries answers a null byte in a text field with 422, never a database error', async () => {
    await expectProblem(
      await api('/v1/inquiries', { json: { ...inquiry(), name: 'Null\u0000Byte' }, ip: randomIp() }),
      422,
      'VALIDATION_FAILED',
    );
  });

  it('POST /v1/auth/register answers a null byte in the name with 422, never a database error', async () => {
    await expectProblem(
      await api('/v1/auth/register', {
        json: {
          email: `nul-${crypto.randomUUID()}@example.com`,
          password: 'a long enough passphrase 42',
          name: 'A\u0000B',
        },
        ip: randomIp(),
      }),
      422,
    );
  });
});

describe('hostile input: media types', () => {
  it('POST /v1/inquiries answers a JSON body sent as text/plain with 415', async () => {
    await expectProblem(
      await api('/v1/inquiries', {
        body: JSON.stringify(inquiry()),
        headers: { 'Content-Type': 'text/plain' },
        ip: randomIp(),
      }),
      415,
    );
  });

  it('POST /v1/auth/login answers a body without any Content-Type with 415', async () => {
    await expectProblem(
      await api('/v1/auth/login', {
        method: 'POST',
        body: new TextEncoder().encode(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(20) })),
        ip: randomIp(),
      }),
      415,
    );
  });

  it('POST /v1/events answers a form-encoded body with 415', async () => {
    await expectProblem(
      await api('/v1/events', {
        body: 'events=1',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        ip: randomIp(),
      }),
      415,
    );
  });

  it('POST /v1/admin/properties/:id/images answers multipart without a file with 422', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const form = new FormData();
    form.append('altText', 'no file here');
    const res = await api(`/v1/admin/properties/${listing.id}/images`, {
      method: 'POST',
      token: admin.token,
      body: form,
    });
    const problem = await expectProblem(res, 422);
    expect(JSON.stringify(problem.errors)).toContain('file');
  });

  it('POST /v1/admin/properties/:id/images answers a file field that is plain text with a 4xx', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const form = new FormData();
    form.append('file', 'just a string, not a file');
    const res = await api(`/v1/admin/properties/${listing.id}/images`, {
      method: 'POST',
      token: admin.token,
      body: form,
    });
    expect([415, 422]).toContain(res.status);
    await expectProblem(res, res.status);
  });

  it('POST /v1/admin/properties/:id/images answers multipart with a broken boundary with a 4xx', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const res = await api(`/v1/admin/properties/${listing.id}/images`, {
      method: 'POST',
      token: admin.token,
      body: '--nope\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
      headers: { 'Content-Type': 'multipart/form-data; boundary=other' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await expectProblem(res, res.status);
  });

  it('POST /v1/admin/properties/:id/images answers an HTML file named .png with 415', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const form = new FormData();
    form.append('file', new File(['<html><script>alert(1)</script></html>'], 'x.png', { type: 'image/png' }));
    await expectProblem(
      await api(`/v1/admin/properties/${listing.id}/images`, { method: 'POST', token: admin.token, body: form }),
      415,
      'UNSUPPORTED_IMAGE',
    );
  });

  it('POST /v1/admin/properties/:id/images still takes a real PNG in multipart', async () => {
    const admin = await createTestUser({ role: 'admin' });
    const listing = await createTestProperty();
    const form = new FormData();
    form.append('file', new File([fixture('png-7x5.png')], 'p.png', { type: 'image/png' }));
    const res = await api(`/v1/admin/properties/${listing.id}/images`, {
      method: 'POST',
      token: admin.token,
      body: form,
    });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ width: 7, height: 5 });
  });
});

describe('hostile input: headers and URLs', () => {
  it('GET /v1/me answers a 16 KB bearer token with 401', async () => {
    await expectProblem(await api('/v1/me', { token: 'x'.repeat(16_000) }), 401);
  });

  it('GET /v1/properties answers an 8 KB query value with 422', async () => {
    await expectProblem(await api(`/v1/properties?city=${'a'.repeat(8_000)}`), 422, 'VALIDATION_FAILED');
  });

  it('GET /v1/properties answers repeated and broken query parameters with a 4xx or 200, never a 500', async () => {
    for (const query of [
      'limit=1&limit=2',
      'limit=%zz',
      'sort=%00',
      'minPrice=1e400',
      'bbox=1,2,3',
      'near=%F0%9F%92%A9',
    ]) {
      const res = await api(`/v1/properties?${query}`);
      expect(res.status, query).toBeLessThan(500);
      if (res.status >= 400) await expectProblem(res, res.status);
    }
  });

  it('GET /v1/properties/:idOrSlug answers broken percent escapes in the path with 404 or 422, never a 500', async () => {
    for (const segment of ['%', '%zz', '%E0%A4%A', '%C0%AE%C0%AE', '..%2F..%2Fetc%2Fpasswd', '%00']) {
      const res = await api(`/v1/properties/${segment}`);
      expect([400, 404, 422], segment).toContain(res.status);
      await expectProblem(res, res.status);
    }
  });
});
