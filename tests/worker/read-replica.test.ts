import { env } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createDb } from '../../src/db/client';
import { analyticsEvents, properties, propertyImages } from '../../src/db/schema';
import { callApp } from '../helpers/app-call';
import { type TestBindings, testConfig, testDb } from '../helpers/db';
import { eventually } from '../helpers/email-sink';
import { createTestUser } from '../helpers/users';

/**
 * Two real databases: the run's primary and a second one standing in for a read replica. The
 * same listing (same id and slug) is written to both with different titles, so every answer
 * says which database served it.
 */
const bindings = env as unknown as TestBindings;
const replicaUrl = bindings.REPLICA_DATABASE_URL;
const replicaDb = () => createDb({ ...testConfig(), DATABASE_URL: replicaUrl });
const app = createApp();

// Memory cache off and views written at once: each answer below is computed, not remembered.
const fresh = { DETAIL_MEMORY_CACHE_SECONDS: '0', VIEW_FLUSH_MS: '0' };
const withReplica = { ...fresh, DATABASE_READ_URL: replicaUrl };
// Nothing listens on port 1: the local Neon stand-in answers 5xx, as Neon does for a replica that is down.
const deadReplica = { ...fresh, DATABASE_READ_URL: 'postgres://replica@127.0.0.1:1/replica' };

let counter = 0;
/** One listing in both databases: same id, slug and city, a title that names the database. */
async function twinListing() {
  counter += 1;
  const id = uuidv7();
  const suffix = `${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const base = {
    id,
    slug: `replica-twin-${suffix}`,
    propertyType: 'house' as const,
    listingType: 'sale' as const,
    status: 'active' as const,
    price: 42_000_000,
    addressLine1: '1 Replica Road',
    // A city of its own: the search and facet URLs (and so their edge-cache keys) are this test's.
    city: `Replicaville ${suffix}`,
    country: 'US',
  };
  await testDb()
    .insert(properties)
    .values({ ...base, title: 'Primary copy' });
  await replicaDb()
    .insert(properties)
    .values({ ...base, title: 'Replica copy' });
  return base;
}

type Page = { data: Array<{ id: string; title: string }> };

describe('public reads and the read replica (DATABASE_READ_URL)', () => {
  it('GET /v1/properties, /facets and /:idOrSlug read from the replica when it is set', async () => {
    const listing = await twinListing();
    // A second listing only the replica has: the facets count it.
    await replicaDb()
      .insert(properties)
      .values({ ...listing, id: uuidv7(), slug: `${listing.slug}-only`, title: 'Replica only' });
    const city = encodeURIComponent(listing.city);

    const search = await callApp(app, `/v1/properties?city=${city}`, { vars: withReplica });
    expect(search.response.status).toBe(200);
    const page = (await search.response.json()) as Page;
    expect(page.data.map((l) => l.title).sort()).toEqual(['Replica copy', 'Replica only']);

    const facets = await callApp(app, `/v1/properties/facets?city=${city}`, { vars: withReplica });
    expect(((await facets.response.json()) as { total: number }).total).toBe(2);

    const detail = await callApp(app, `/v1/properties/${listing.id}`, { vars: withReplica });
    expect(((await detail.response.json()) as { title: string }).title).toBe('Replica copy');
  });

  it('GET /v1/properties/:idOrSlug records its view on the primary even when the replica served it', async () => {
    const listing = await twinListing();
    const detail = await callApp(app, `/v1/properties/${listing.slug}`, { vars: withReplica });
    expect(((await detail.response.json()) as { title: string }).title).toBe('Replica copy');
    await detail.background;
    const where = and(eq(analyticsEvents.propertyId, listing.id), eq(analyticsEvents.type, 'property_view'));
    // The isolate's view buffer is shared: another request's open window may be the one that writes it.
    await eventually(async () => (await testDb().select().from(analyticsEvents).where(where)).length === 1);
    expect(await replicaDb().select().from(analyticsEvents).where(where)).toHaveLength(0);
  });

  it('GET /v1/images/:id looks the photo up on the replica when it is set', async () => {
    const listing = await twinListing();
    const imageId = uuidv7();
    const r2Key = `properties/${listing.id}/${imageId}`;
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    await bindings.IMAGES.put(r2Key, png);
    // Only the replica has the row: the primary would answer 404.
    await replicaDb()
      .insert(propertyImages)
      .values({
        id: imageId,
        propertyId: listing.id,
        r2Key,
        contentType: 'image/png',
        byteSize: png.length,
        width: 1,
        height: 1,
        sha256: 'a'.repeat(64),
        sortOrder: 0,
      });
    // The primary first: a 404 is never kept in the edge cache, a photo is.
    const fromPrimary = await callApp(app, `/v1/images/${imageId}`, { vars: fresh });
    expect(fromPrimary.response.status).toBe(404);
    const fromReplica = await callApp(app, `/v1/images/${imageId}`, { vars: withReplica });
    expect(fromReplica.response.status).toBe(200);
    expect(new Uint8Array(await fromReplica.response.arrayBuffer())).toEqual(png);
  });

  it('an unreachable replica falls back to the primary for every public read', async () => {
    const listing = await twinListing();
    const city = encodeURIComponent(listing.city);
    const search = await callApp(app, `/v1/properties?city=${city}`, { vars: deadReplica });
    expect(search.response.status).toBe(200);
    expect(((await search.response.json()) as Page).data.map((l) => l.title)).toEqual(['Primary copy']);
    const facets = await callApp(app, `/v1/properties/facets?city=${city}`, { vars: deadReplica });
    expect(((await facets.response.json()) as { total: number }).total).toBe(1);
    const detail = await callApp(app, `/v1/properties/${listing.id}`, { vars: deadReplica });
    expect(detail.response.status).toBe(200);
    expect(((await detail.response.json()) as { title: string }).title).toBe('Primary copy');
  });

  it('without DATABASE_READ_URL every public read is the primary', async () => {
    const listing = await twinListing();
    const detail = await callApp(app, `/v1/properties/${listing.id}`, { vars: fresh });
    expect(((await detail.response.json()) as { title: string }).title).toBe('Primary copy');
  });

  it('admin reads and writes never touch the replica', async () => {
    const listing = await twinListing();
    const admin = await createTestUser({ role: 'admin' });
    const read = await callApp(app, `/v1/admin/properties/${listing.id}`, { vars: withReplica, token: admin.token });
    expect(read.response.status).toBe(200);
    const body = (await read.response.json()) as { title: string };
    expect(body.title).toBe('Primary copy');
    const etag = read.response.headers.get('ETag') ?? '';
    const edit = await callApp(app, `/v1/admin/properties/${listing.id}`, {
      method: 'PATCH',
      vars: withReplica,
      token: admin.token,
      headers: { 'If-Match': etag },
      json: { title: 'Edited on the primary' },
    });
    expect(edit.response.status).toBe(200);
    const titleIn = async (db: ReturnType<typeof testDb>) =>
      (await db.select({ title: properties.title }).from(properties).where(eq(properties.id, listing.id)))[0]?.title;
    expect(await titleIn(testDb())).toBe('Edited on the primary');
    expect(await titleIn(replicaDb())).toBe('Replica copy');
  });

  it('a sign-in never reads from the replica, even when the replica is down', async () => {
    const user = await createTestUser();
    const me = await callApp(app, '/v1/me', { vars: deadReplica, token: user.token });
    expect(me.response.status).toBe(200);
  });
});
