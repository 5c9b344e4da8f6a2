import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { properties, propertyStatusHistory } from '../../src/db/schema';
import { api, expectProblem, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestUser, type TestUser } from '../helpers/users';

let admin: TestUser;

beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

type Status = 'draft' | 'active' | 'pending' | 'off_market' | 'sold' | 'rented';

async function createDraft(): Promise<{ id: string; slug: string }> {
  const res = await api('/v1/admin/properties', {
    token: admin.token,
    json: {
      title: `Status test ${Math.random().toString(36).slice(2, 8)}`,
      propertyType: 'house',
      listingType: 'sale',
      price: 10_000_000,
      address: { line1: '9 State Street', city: 'Machine', country: 'US' },
    },
  });
  expect(res.status).toBe(201);
  return json(res);
}

const move = (id: string, status: string, reason?: string) =>
  api(`/v1/admin/properties/${id}/status`, { token: admin.token, json: reason ? { status, reason } : { status } });

async function at(path: Status[]): Promise<string> {
  const { id } = await createDraft();
  for (const status of path) expect((await move(id, status)).status).toBe(200);
  return id;
}

async function historyCount(id: string) {
  return (await testDb().select().from(propertyStatusHistory).where(eq(propertyStatusHistory.propertyId, id))).length;
}

const allowed: Array<[Status[], Status]> = [
  [[], 'active'],
  [['active'], 'pending'],
  [['active'], 'off_market'],
  [['active', 'pending'], 'active'],
  [['active', 'pending'], 'sold'],
  [['active', 'pending'], 'rented'],
  [['active', 'off_market'], 'active'],
];

const refused: Array<[Status[], Status]> = [
  [[], 'pending'],
  [[], 'sold'],
  [[], 'off_market'],
  [[], 'draft'],
  [['active'], 'active'],
  [['active'], 'sold'],
  [['active'], 'rented'],
  [['active'], 'draft'],
  [['active', 'pending'], 'off_market'],
  [['active', 'off_market'], 'pending'],
  [['active', 'off_market'], 'sold'],
  [['active', 'pending', 'sold'], 'active'],
  [['active', 'pending', 'sold'], 'rented'],
  [['active', 'pending', 'rented'], 'active'],
];

describe('POST /v1/admin/properties/:id/status', () => {
  for (const [path, to] of allowed) {
    const from = path.at(-1) ?? 'draft';
    it(`POST /v1/admin/properties/:id/status allows ${from} → ${to} and records it`, async () => {
      const id = await at(path);
      const before = await historyCount(id);
      const res = await move(id, to, `because ${to}`);
      expect(res.status).toBe(200);
      const body = await json<{ status: string; version: number }>(res);
      expect(body.status).toBe(to);
      expect(res.headers.get('ETag')).toBe(`"v${body.version}"`);
      const rows = await testDb().select().from(propertyStatusHistory).where(eq(propertyStatusHistory.propertyId, id));
      expect(rows).toHaveLength(before + 1);
      const last = rows.find((r) => r.toStatus === to && r.reason === `because ${to}`);
      expect(last).toMatchObject({ fromStatus: from, toStatus: to, changedBy: admin.id });
    });
  }

  for (const [path, to] of refused) {
    const from = path.at(-1) ?? 'draft';
    it(`POST /v1/admin/properties/:id/status refuses ${from} → ${to} with 409 INVALID_TRANSITION`, async () => {
      const id = await at(path);
      const before = await historyCount(id);
      await expectProblem(await move(id, to), 409, 'INVALID_TRANSITION');
      const [row] = await testDb().select().from(properties).where(eq(properties.id, id));
      expect(row?.status).toBe(from);
      expect(await historyCount(id)).toBe(before);
    });
  }

  it('POST /v1/admin/properties/:id/status sets publishedAt on the first activation only', async () => {
    const { id } = await createDraft();
    const first = await json<{ publishedAt: string | null }>(await move(id, 'active'));
    expect(first.publishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    await move(id, 'off_market');
    const again = await json<{ publishedAt: string | null }>(await move(id, 'active'));
    expect(again.publishedAt).toBe(first.publishedAt);
  });

  it('POST /v1/admin/properties/:id/status lets exactly one of two concurrent changes win', async () => {
    const id = await at(['active']);
    const before = await historyCount(id);
    const results = await Promise.all([move(id, 'pending'), move(id, 'off_market')]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 409]);
    await Promise.all(results.map((r) => r.arrayBuffer()));
    expect(await historyCount(id)).toBe(before + 1);
  });

  it('POST /v1/admin/properties/:id/status is a 404 for an unknown listing', async () => {
    await expectProblem(await move('01900000-0000-7000-8000-000000000000', 'active'), 404);
  });

  it('POST /v1/admin/properties/:id/status rejects unknown statuses and keys with a 422', async () => {
    const { id } = await createDraft();
    await expectProblem(await move(id, 'archived'), 422);
    await expectProblem(
      await api(`/v1/admin/properties/${id}/status`, { token: admin.token, json: { status: 'active', by: 'me' } }),
      422,
    );
    await expectProblem(
      await api(`/v1/admin/properties/${id}/status`, {
        token: admin.token,
        json: { status: 'active', reason: 'x'.repeat(1001) },
      }),
      422,
    );
  });

  it('POST /v1/admin/properties/:id/status needs an admin', async () => {
    const { id } = await createDraft();
    await expectProblem(await api(`/v1/admin/properties/${id}/status`, { json: { status: 'active' } }), 401);
    const user = await createTestUser({ role: 'user' });
    await expectProblem(
      await api(`/v1/admin/properties/${id}/status`, { token: user.token, json: { status: 'active' } }),
      403,
    );
  });
});

describe('GET /v1/admin/properties/:id/history', () => {
  it('GET /v1/admin/properties/:id/history lists every change with who, when and why, oldest first', async () => {
    const { id } = await createDraft();
    await move(id, 'active', 'ready to show');
    await move(id, 'pending', 'offer accepted');
    await move(id, 'sold', 'closed');
    const res = await api(`/v1/admin/properties/${id}/history`, { token: admin.token });
    expect(res.status).toBe(200);
    const { data } = await json<{
      data: Array<{ from: string; to: string; reason: string; changedBy: string; changedAt: string }>;
    }>(res);
    expect(data.map((h) => [h.from, h.to, h.reason])).toEqual([
      ['draft', 'active', 'ready to show'],
      ['active', 'pending', 'offer accepted'],
      ['pending', 'sold', 'closed'],
    ]);
    for (const entry of data) {
      expect(entry.changedBy).toBe(admin.id);
      expect(new Date(entry.changedAt).toISOString()).toBe(entry.changedAt);
    }
  });

  it('GET /v1/admin/properties/:id/history is a 404 for an unknown listing and 403 for a user', async () => {
    await expectProblem(
      await api('/v1/admin/properties/01900000-0000-7000-8000-000000000000/history', { token: admin.token }),
      404,
    );
    const user = await createTestUser();
    const { id } = await createDraft();
    await expectProblem(await api(`/v1/admin/properties/${id}/history`, { token: user.token }), 403);
  });
});
