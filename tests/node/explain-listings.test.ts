import { is, SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import * as schema from '../../src/db/schema';
import { facetsQuery, listingFacets } from '../../src/services/listings/facets';
import type { SearchFilters, SearchSort } from '../../src/services/listings/filters';
import { findListingQueries } from '../../src/services/listings/get';
import { FULL_TEXT_WINDOW, searchQuery } from '../../src/services/listings/search';
import { createTestDatabase, type TestDatabase } from '../setup/test-database';

const ROWS = 100_000;
const serverUrl = process.env.TEST_DATABASE_URL;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Filter?: string;
  Plans?: PlanNode[];
}

/** A query builder, or plain SQL (the facets statement). */
type Query = { toSQL(): { sql: string; params: unknown[] } } | SQL;

const dialect = new PgDialect();
const render = (query: Query) => (is(query, SQL) ? dialect.sqlToQuery(query) : query.toSQL());
const onProperties = (n: PlanNode) => n['Relation Name'] === 'properties' || n['Index Name']?.startsWith('properties');

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
      // ANALYZE samples 300 rows per unit of statistics target: enough units sample every row, so
      // the statistics, and the plans built on them, are the same on every run.
      await client.query(`set default_statistics_target = ${Math.ceil(ROWS / 300)}`);
      await client.query('analyze properties');
      await client.query('analyze property_images');
      await client.query('analyze property_price_history');
      await client.query('reset default_statistics_target');
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

    async function plan(query: Query, analyze = false): Promise<PlanNode[]> {
      const { sql, params } = render(query);
      const result = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `explain (format json${analyze ? ', analyze' : ''}) ${sql}`,
        params,
      );
      const top = result.rows[0]?.['QUERY PLAN'][0]?.Plan;
      if (!top) throw new Error('no plan');
      return nodes(top);
    }

    const describePlan = (all: PlanNode[]) =>
      JSON.stringify(all.map((n) => [n['Node Type'], n['Relation Name'], n['Index Name'], n['Actual Loops']]));

    async function expectIndexed(query: Query) {
      const all = await plan(query);
      const scans = all.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'properties');
      expect(scans, `seq scan on properties in:\n${describePlan(all)}`).toEqual([]);
      // The plan must touch properties through an index at all (not e.g. a constant-false result).
      expect(all.some(onProperties)).toBe(true);
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
      await expectIndexed(facetsQuery({ q: 'quiet' }, 'public'));
      await expectIndexed(facetsQuery({ city: 'City 17', q: 'quiet' }, 'public'));
      // With a price filter the plan holds both branches (one runs): neither may scan the table.
      await expectIndexed(facetsQuery({ listingType: 'rent', minPrice: 100_000 }, 'public'));
      await expectIndexed(facetsQuery({ listingType: 'rent', minPrice: 123_456 }, 'public'));
    });

    it('GET /v1/properties/facets reads listing_facet_counts, and the listings only when a price bound cuts a group', async () => {
      for (const filters of [{}, { city: 'City 17' }, { propertyType: 'condo', listingType: 'rent' } as const]) {
        const all = await plan(facetsQuery(filters, 'public'));
        expect(all.some((n) => n['Relation Name'] === 'listing_facet_counts')).toBe(true);
        expect(all.filter(onProperties), describePlan(all)).toEqual([]);
      }
      const ran = (all: PlanNode[]) => all.filter((n) => onProperties(n) && (n['Actual Loops'] ?? 0) > 0);
      // Above every price (the benchmark's cache buster): the listings branch is planned, never run.
      const above = await plan(facetsQuery({ maxPrice: 99_999_999_999_999 }, 'public'), true);
      expect(ran(above), describePlan(above)).toEqual([]);
      // Through the prices of a group (100M to 200M here): its listings are counted.
      const through = await plan(facetsQuery({ maxPrice: 123_456_789 }, 'public'), true);
      expect(ran(through).length, describePlan(through)).toBeGreaterThan(0);
    });

    it('GET /v1/properties/facets from listing_facet_counts equal counting the listings', async () => {
      // minBedrooms 0 keeps every listing but is not a filter the counts table has: counted live.
      const filterSets: SearchFilters[] = [
        {},
        { city: 'city 17' },
        { propertyType: 'condo', listingType: 'rent' },
        { maxPrice: 99_999_999_999_999 },
        { minPrice: 100_000, maxPrice: 49_999_999 },
        { maxPrice: 123_456_789 },
      ];
      for (const filters of filterSets) {
        expect(await listingFacets(db, filters, 'public')).toEqual(
          await listingFacets(db, { ...filters, minBedrooms: 0 }, 'public'),
        );
      }
    });

    it('GET /v1/properties?q checks the words on at most FULL_TEXT_WINDOW rows, then reads the GIN index', async () => {
      const ran = (all: PlanNode[], ...indexes: string[]) =>
        all.filter((n) => indexes.includes(n['Index Name'] ?? '') && (n['Actual Loops'] ?? 0) > 0);
      // Rows a node matched against the words outside the GIN index (a Filter, not a Recheck).
      const checked = (all: PlanNode[]) =>
        all
          .filter((n) => n.Filter?.includes('@@'))
          .map((n) => ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 0));
      for (const sort of ['newest', 'price_asc', 'price_desc'] as const) {
        // "bright" is in a sixth of the titles, all of them sold: the planner expects an early
        // match, and walking the sort's index would read every public listing to find none.
        for (const q of ['xylophone', 'bright']) {
          const all = await plan(search({ q }, sort), true);
          for (const rows of checked(all)) expect(rows, describePlan(all)).toBeLessThanOrEqual(FULL_TEXT_WINDOW);
          // The public listings' own GIN index: "bright" is in none of them.
          expect(ran(all, 'properties_public_search_idx').length, describePlan(all)).toBeGreaterThan(0);
        }
        // A common word: the page is in the window; no GIN index is read.
        const common = await plan(search({ q: 'sunny' }, sort), true);
        expect(ran(common, 'properties_search_idx', 'properties_public_search_idx'), describePlan(common)).toEqual([]);
      }
    });

    it('GET /v1/properties?q pages hold the same rows, in the same order, as sorting every match', async () => {
      const keyOf = { newest: 'created_at', price_asc: 'price', price_desc: 'price' } as const;
      const reference = async (q: string, sort: keyof typeof keyOf, position: [string | number, string] | null) => {
        const key = keyOf[sort];
        const direction = sort === 'price_asc' ? 'asc' : 'desc';
        const after = position
          ? `and (${key}, id) ${direction === 'asc' ? '>' : '<'} ($2::${sort === 'newest' ? 'timestamptz' : 'bigint'}, $3::uuid)`
          : '';
        const { rows } = await client.query<{ id: string }>(
          `select id from properties
            where status in ('active', 'pending') and search @@ websearch_to_tsquery('english', $1) ${after}
            order by ${key} ${direction}, id ${direction} limit 21`,
          position ? [q, ...position] : [q],
        );
        return rows.map((r) => r.id);
      };
      for (const q of [
        'sunny',
        'sunny cottage',
        '"lovely home"',
        'sunny -house',
        '77777',
        'city 12',
        'bright',
        'xylophone',
      ]) {
        for (const sort of ['newest', 'price_asc', 'price_desc'] as const) {
          const first = await search({ q }, sort);
          expect(
            first.map((r) => r.id),
            `${q} ${sort}`,
          ).toEqual(await reference(q, sort, null));
          const last = first[19];
          if (!last) continue;
          const position: [string | number, string] = [
            sort === 'newest' ? String(last.sortValue) : Number(last.sortValue),
            last.id,
          ];
          const second = await search({ q }, sort, position);
          expect(
            second.map((r) => r.id),
            `${q} ${sort} page 2`,
          ).toEqual(await reference(q, sort, position));
        }
      }
    });

    it('GET /v1/properties/:idOrSlug (by id and by slug, with images and price history) uses an index', async () => {
      for (const key of [sample.id, sample.slug]) {
        const [listing, images, firstPrice, latestPrices] = findListingQueries(db, key, 'public');
        await expectIndexed(listing);
        for (const query of [images, firstPrice, latestPrices]) {
          const nodes = await plan(query);
          expect(nodes.some((n) => n['Node Type'] === 'Seq Scan')).toBe(false);
        }
      }
    });
  },
);
