import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import { properties } from '../../src/db/schema';
import { slugCandidate, slugify } from '../../src/services/listings/slug';
import { api, json } from '../helpers/api';
import { testDb } from '../helpers/db';
import { createTestProperty } from '../helpers/listings';
import { createTestUser, type TestUser } from '../helpers/users';

const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A listing of this file's own. */
const insertListing = (over: Parameters<typeof createTestProperty>[0] = {}) =>
  createTestProperty({
    slug: `slugtest-${tag()}`,
    title: 'Slug test home',
    price: 90_000_000,
    addressLine1: '9 Slug Street',
    city: 'Slugton',
    ...over,
  });

let admin: TestUser;
beforeAll(async () => {
  admin = await createTestUser({ role: 'admin' });
});

describe('slugs never look like an id', () => {
  it('slugify and slugCandidate never give a UUID-shaped slug', () => {
    const id = uuidv7();
    for (const title of [id, id.toUpperCase(), ` ${id} `, `${id}!`]) {
      const base = slugify(title);
      expect(base, title).not.toMatch(UUID_SHAPE);
      for (let attempt = 0; attempt < 8; attempt++) expect(slugCandidate(base, attempt)).not.toMatch(UUID_SHAPE);
    }
    const prefix = id.slice(0, 23); // 8-4-4-4: a random 12-character suffix would complete a UUID
    for (let attempt = 0; attempt < 20; attempt++) {
      expect(slugCandidate(slugify(prefix), attempt)).not.toMatch(UUID_SHAPE);
    }
  });

  it("POST /v1/admin/properties titled with another listing's id gets a slug that serves the new listing", async () => {
    const other = await insertListing({ title: 'The listing whose id is borrowed' });
    const res = await api('/v1/admin/properties', {
      token: admin.token,
      json: {
        title: other.id,
        propertyType: 'house',
        listingType: 'sale',
        price: 1000,
        address: { line1: '1 Mimic Road', city: 'Mimicton', country: 'US' },
      },
    });
    expect(res.status).toBe(201);
    const created = await json<{ id: string; slug: string }>(res);
    expect(created.slug).not.toMatch(UUID_SHAPE);
    const activate = await api(`/v1/admin/properties/${created.id}/status`, {
      token: admin.token,
      json: { status: 'active' },
    });
    expect(activate.status).toBe(200);
    const bySlug = await json<{ id: string }>(await api(`/v1/properties/${created.slug}`));
    expect(bySlug.id).toBe(created.id);
    const byId = await json<{ id: string }>(await api(`/v1/properties/${other.id}`));
    expect(byId.id).toBe(other.id);
  });

  it('the database refuses a UUID-shaped slug', async () => {
    await expect(insertListing({ slug: uuidv7() })).rejects.toThrow();
    const ok = await insertListing();
    await expect(testDb().update(properties).set({ slug: uuidv7() }).where(eq(properties.id, ok.id))).rejects.toThrow();
  });
});
