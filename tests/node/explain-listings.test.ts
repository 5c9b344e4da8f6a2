import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import * as schema from '../../src/db/schema';
import { facetsQuery } from '../../src/services/listings/facets';
import type { SearchFilters, SearchSort } from '../../src/services/listings/filters';
import { findListingQueries } from '../../src/services/listings/get';
import { searchQuery } from '../../src/services/listings/search';
import { createTestDatabase, type TestDatabase } from '../setup/test-database';

const ROWS = 100_000;
const serverUrl = process.env.TEST_DATABASE_URL;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * 100,000 listings across 400 cities; about a third public (active/pending), the rest the
 * history an agency accumulates (sold, rented, off market, drafts). One in two has a cover.
 */
const GENERATE = `
insert into properties (id, slug, title, description, property_type, listing_type, status, price, currency,
  bedrooms, bathrooms, area_sqm, address_line1, city, region, postal_code, country, latitude, longitude,
  features, created_at, updated_at, published_at)
select gen_random_uuid(),
       'listing-' || g,
       (array['Sunny','Spacious','Quiet','Modern','Charming','Bright'])[1 + g % 6] || ' '
         || (array['house','apartment','condo','townhouse','loft','cottage','villa'])[1 + g % 7] || ' ' || g,
       'A ' || (array['lovely','renovated','historic','new','cozy'])[1 + g % 5] || ' home near the '
         || (array['park','river','station','school','market'])[1 + (g / 7) % 5] || '.',
       (array['house','apartment','condo','townhouse','land','commercial','office'])[1 + g % 7]::property_type,
       (array['sale','rent'])[1 + (g / 3) % 2]::listing_type,
       (array['active','active','active','pending','sold','sold','sold','rented','rented','off_market','draft',
              'sold'])[1 + (g * 7) % 12]::property_status,
       (10000 + (g * 7919) % 200000000)::bigint,
       'USD',
       g % 7, (g % 5)::numeric / 2 + 1, 30 + g % 400,
       g || ' Main Street', 'City ' || (g % 400), 'Region ' || (g % 50), lpad((g % 99999)::text, 5, '0'), 'US',
       25 + (g % 2500) / 100.0, -125 + (g % 5500) / 100.0,
       array['garage','garden'],
       now() - ((g % 1800) || ' days')::interval - (g || ' seconds')::interval,
       now(), now()
  from generate_series(1, ${ROWS}) g`;

const COVERS = `
insert into property_images (id, property_id, r2_key, content_type, byte_size, width, height, sha256, sort_order, is_cover)
select gen_random_uuid(), p.id, 'properties/' || p.id || '/cover', 'image/png', 1000, 320, 213,
       repeat('a', 64), 0, true
  from properties p where p.slug ~ '[02468]$'`;

describe.skipIf(!serverUrl)(
  'EXPLAIN of every public listing query at 100,000 rows (PostgreSQL only; skipped without TEST_DATABASE_URL)',
  () => {
    let database: TestDatabase;
    let client: pg.Client;
    let db: Database;
    let sample: { id: string; slug: string; createdAt: string };

    beforeAll(async () => {
      database = await createTestDatabase(serverUrl);
      client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query(GENERATE);
      await client.query(COVERS);
      await client.query('analyze properties');
      await client.query('analyze property_images');
      // Only the query builder is used (toSQL); the Worker's client type is what the services take.
      db = drizzle({ client, schema }) as unknown as Database;
      const row = await client.query<{ id: string; slug: string; created_at: string }>(
        `select id, slug, created_at::text from properties where status = 'active' order by created_at desc limit 1 offset 500`,
      );
      const first = row.rows[0];
      if (!first) throw new Error('no sample row');
      sample = { id: first.id, slug: first.slug, createdAt: first.created_at };
    }, 300_000);

    afterAll(async () => {
      await client?.end();
      await database?.close();
    });

    async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<PlanNode[]> {
      const { sql, params } = query.toSQL();
      const result = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `explain (format json) ${sql}`,
        params,
      );
      const top = result.rows[0]?.['QUERY PLAN'][0]?.Plan;
      if (!top) throw new Error('no plan');
      return nodes(top);
    }

    async function expectIndexed(query: { toSQL(): { sql: string; params: unknown[] } }) {
      const all = await plan(query);
      const scans = all.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'properties');
      expect(
        scans,
        `seq scan on properties in:\n${JSON.stringify(
          all.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name']]),
        )}`,
      ).toEqual([]);
      // The plan must touch properties through an index at all (not e.g. a constant-false result).
      expect(all.some((n) => n['Relation Name'] === 'properties' || n['Index Name']?.startsWith('properties'))).toBe(
        true,
      );
    }

    const search = (
      filters: SearchFilters,
      sort: SearchSort = 'newest',
      position: [string | number, string] | null = null,
    ) => searchQuery(db, { filters, sort, limit: 20, visibility: 'public' }, position);

    const cases: Array<[string, SearchFilters, SearchSort]> = [
      ['no filter, newest', {}, 'newest'],
      ['city', { city: 'City 17' }, 'newest'],
      ['property type', { propertyType: 'condo' }, 'newest'],
      ['listing type', { listingType: 'rent' }, 'newest'],
      ['price range', { minPrice: 100_000, maxPrice: 5_000_000 }, 'newest'],
      ['bedrooms and bathrooms', { minBedrooms: 3, minBathrooms: 2 }, 'newest'],
      ['area range', { minArea: 100, maxArea: 200 }, 'newest'],
      ['price ascending', {}, 'price_asc'],
      ['price descending', {}, 'price_desc'],
      ['price ascending with a price range', { minPrice: 1_000_000, maxPrice: 2_000_000 }, 'price_asc'],
      ['full text, newest', { q: 'sunny cottage' }, 'newest'],
      ['full text, relevance', { q: 'sunny cottage' }, 'relevance'],
      ['bbox', { bbox: { minLng: -100, minLat: 30, maxLng: -99, maxLat: 31 } }, 'newest'],
      ['near, distance', { near: { lat: 30.27, lng: -97.74 }, radiusKm: 10 }, 'distance'],
      ['near, newest', { near: { lat: 30.27, lng: -97.74 }, radiusKm: 50 }, 'newest'],
      [
        'everything combined',
        {
          q: 'sunny',
          city: 'City 12',
          propertyType: 'house',
          listingType: 'sale',
          minPrice: 1000,
          maxPrice: 900_000_000,
          minBedrooms: 1,
        },
        'price_asc',
      ],
    ];

    for (const [name, filters, sort] of cases) {
      it(`GET /v1/properties (${name}) uses an index, no Seq Scan on properties`, async () => {
        await expectIndexed(search(filters, sort));
      });
    }

    it('GET /v1/properties next pages (newest, price, distance cursors) use an index', async () => {
      await expectIndexed(search({}, 'newest', [sample.createdAt, sample.id]));
      await expectIndexed(search({}, 'price_asc', [5_000_000, sample.id]));
      await expectIndexed(search({ city: 'City 17' }, 'newest', [sample.createdAt, sample.id]));
      await expectIndexed(search({ near: { lat: 30.27, lng: -97.74 }, radiusKm: 10 }, 'distance', [1.5, sample.id]));
    });

    it('GET /v1/properties/facets uses an index, with and without filters', async () => {
      await expectIndexed(facetsQuery(db, {}, 'public'));
      await expectIndexed(facetsQuery(db, { city: 'City 17' }, 'public'));
      await expectIndexed(facetsQuery(db, { q: 'quiet' }, 'public'));
      await expectIndexed(facetsQuery(db, { listingType: 'rent', minPrice: 100_000 }, 'public'));
    });

    it('GET /v1/properties/:idOrSlug (by id and by slug, with images) uses an index', async () => {
      for (const key of [sample.id, sample.slug]) {
        const [listing, images] = findListingQueries(db, key, 'public');
        await expectIndexed(listing);
        const imagePlan = await plan(images);
        expect(imagePlan.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
      }
    });
  },
);
