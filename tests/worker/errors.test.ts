import { describe, expect, it } from 'vitest';
import { api, expectProblem } from '../helpers/api';

let n = 0;
const ip = () => `198.51.100.${(n++ % 200) + 1}`;

describe('errors everyone gets', () => {
  it('POST /v1/auth/register with malformed JSON is a 400 problem', async () => {
    const res = await api('/v1/auth/register', {
      ip: ip(),
      body: '{"email": "a@example.com", ',
      headers: { 'Content-Type': 'application/json' },
    });
    await expectProblem(res, 400);
  });

  it('POST /v1/auth/register with a zod-invalid body is a 422 problem listing each field', async () => {
    const res = await api('/v1/auth/register', { ip: ip(), json: { email: 'not-an-email', password: 1 } });
    const problem = await expectProblem(res, 422, 'VALIDATION_FAILED');
    const paths = problem.errors?.map((e) => e.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['email', 'password', 'name']));
    for (const error of problem.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
  });

  it('POST /v1/auth/register with a body over the limit is a 413 problem', async () => {
    const res = await api('/v1/auth/register', {
      ip: ip(),
      body: JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(2_000_000), name: 'Big' }),
      headers: { 'Content-Type': 'application/json' },
    });
    await expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('POST /v1/auth/register with a non-JSON media type is a 415 problem', async () => {
    const res = await api('/v1/auth/register', {
      ip: ip(),
      body: 'email=a@example.com',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    await expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('POST /v1/auth/register with a JSON array body is a 422 problem', async () => {
    const res = await api('/v1/auth/register', { ip: ip(), json: [1, 2, 3] });
    await expectProblem(res, 422, 'VALIDATION_FAILED');
  });

  it('PUT /v1/me is a 405 problem with Allow', async () => {
    const res = await api('/v1/me', { method: 'PUT' });
    expect(res.headers.get('Allow')).toMatch(/GET/);
    await expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
  });

  it('GET /v1/me without a token is a 401 problem with WWW-Authenticate', async () => {
    const res = await api('/v1/me');
    expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer/);
    await expectProblem(res, 401);
  });
});
