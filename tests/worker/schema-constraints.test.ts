import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  inquiries,
  jobRuns,
  notificationQueue,
  properties,
  propertyImages,
  refreshTokens,
  sessions,
  users,
} from '../../src/db/schema';
import { testDb } from '../helpers/db';
import { createTestUser, uniqueEmail } from '../helpers/users';

const HASH = '$2b$04$abcdefghijklmnopqrstuu7j3v0dPq3nQvQ0pPp9qE4b1a0cE2s3e';

/** The SQLSTATE and constraint of whatever the driver threw, through Drizzle's wrapper. */
async function dbError(promise: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  try {
    await promise;
  } catch (error) {
    let current: unknown = error;
    while (current && typeof current === 'object') {
      const e = current as { code?: unknown; constraint?: unknown; cause?: unknown };
      if (typeof e.code === 'string') {
        return { code: e.code, constraint: typeof e.constraint === 'string' ? e.constraint : undefined };
      }
      current = e.cause;
    }
    throw error;
  }
  throw new Error('expected the database to reject the statement');
}

let slugCounter = 0;
function listing(overrides: Partial<typeof properties.$inferInsert> = {}): typeof properties.$inferInsert {
  slugCounter += 1;
  return {
    id: uuidv7(),
    slug: `constraint-test-${Date.now()}-${slugCounter}`,
    title: 'A listing for constraint tests',
    propertyType: 'house',
    listingType: 'sale',
    price: 100_000_00,
    currency: 'USD',
    addressLine1: '1 Test Street',
    city: 'Austin',
    country: 'US',
    ...overrides,
  };
}

describe('database rules', () => {
  const db = testDb();

  it('users.email is unique and must be stored lower-cased', async () => {
    const email = uniqueEmail();
    await db.insert(users).values({ id: uuidv7(), email, passwordHash: HASH, name: 'First' });
    expect(await dbError(db.insert(users).values({ id: uuidv7(), email, passwordHash: HASH, name: 'Second' }))).toEqual(
      { code: '23505', constraint: 'idx_users_email' },
    );
    const upper = await dbError(
      db.insert(users).values({ id: uuidv7(), email: uniqueEmail().toUpperCase(), passwordHash: HASH, name: 'Upper' }),
    );
    expect(upper).toEqual({ code: '23514', constraint: 'users_email_normalized' });
  });

  it('users reject a password hash that is not bcrypt and an unknown role', async () => {
    expect(
      await dbError(db.insert(users).values({ id: uuidv7(), email: uniqueEmail(), passwordHash: 'plain', name: 'X' })),
    ).toMatchObject({ code: '23514', constraint: 'users_password_hash_bcrypt' });
    expect(
      await dbError(
        db.execute(
          sql`insert into users (id, email, password_hash, name, role) values (${uuidv7()}, ${uniqueEmail()}, ${HASH}, 'X', 'root')`,
        ),
      ),
    ).toMatchObject({ code: '22P02' });
  });

  it.each([
    ['a negative price', { price: -1 }, 'properties_price_range'],
    ['a latitude out of range', { latitude: 91, longitude: 0 }, 'properties_latitude_range'],
    ['a longitude out of range', { latitude: 0, longitude: 181 }, 'properties_longitude_range'],
    ['a latitude without a longitude', { latitude: 10 }, 'properties_coordinates_paired'],
    ['a lower-case currency', { currency: 'usd' }, 'properties_currency_format'],
    ['a slug with spaces', { slug: 'not a slug' }, 'properties_slug_format'],
    ['too many bedrooms', { bedrooms: 101 }, 'properties_bedrooms_range'],
    ['a zero area', { areaSqm: 0 }, 'properties_area_range'],
    ['a three-letter country', { country: 'USA' }, 'properties_country_format'],
  ])('properties reject %s', async (_name, overrides, constraint) => {
    expect(await dbError(db.insert(properties).values(listing(overrides)))).toEqual({ code: '23514', constraint });
  });

  it('properties.slug is unique', async () => {
    const first = listing();
    await db.insert(properties).values(first);
    expect(await dbError(db.insert(properties).values(listing({ slug: first.slug })))).toEqual({
      code: '23505',
      constraint: 'properties_slug_key',
    });
  });

  it('properties.search is generated from title, address and description', async () => {
    const row = listing({ title: 'Lighthouse cottage by the sea', description: 'Wonderful harbour views' });
    await db.insert(properties).values(row);
    const found = await db.execute(
      sql`select id from properties where search @@ websearch_to_tsquery('english', 'harbour lighthouse') and id = ${row.id}`,
    );
    expect(found.rows).toHaveLength(1);
  });

  it('property_images allow one cover per listing and a unique sort order, and cascade on delete', async () => {
    const home = listing();
    await db.insert(properties).values(home);
    const image = (sortOrder: number, isCover: boolean) => ({
      id: uuidv7(),
      propertyId: home.id as string,
      r2Key: `properties/${home.id}/${uuidv7()}`,
      contentType: 'image/png',
      byteSize: 100,
      width: 10,
      height: 10,
      sha256: 'a'.repeat(64),
      sortOrder,
      isCover,
    });
    await db.insert(propertyImages).values(image(0, true));
    expect(await dbError(db.insert(propertyImages).values(image(1, true)))).toEqual({
      code: '23505',
      constraint: 'property_images_one_cover_idx',
    });
    expect(await dbError(db.insert(propertyImages).values(image(0, false)))).toEqual({
      code: '23505',
      constraint: 'property_images_sort_order_key',
    });
    expect(await dbError(db.insert(propertyImages).values({ ...image(2, false), contentType: 'image/gif' }))).toEqual({
      code: '23514',
      constraint: 'property_images_content_type',
    });
    await db.delete(properties).where(eq(properties.id, home.id as string));
    const left = await db
      .select()
      .from(propertyImages)
      .where(eq(propertyImages.propertyId, home.id as string));
    expect(left).toHaveLength(0);
  });

  it('property_images sort orders can be swapped in one statement (deferrable unique)', async () => {
    const home = listing();
    await db.insert(properties).values(home);
    const ids = [uuidv7(), uuidv7()];
    for (const [i, id] of ids.entries()) {
      await db.insert(propertyImages).values({
        id,
        propertyId: home.id as string,
        r2Key: `properties/${home.id}/${id}`,
        contentType: 'image/png',
        byteSize: 1,
        width: 1,
        height: 1,
        sha256: 'b'.repeat(64),
        sortOrder: i,
      });
    }
    await db.execute(
      sql`update property_images set sort_order = 1 - sort_order where property_id = ${home.id as string}`,
    );
    const rows = await db
      .select({ id: propertyImages.id, sortOrder: propertyImages.sortOrder })
      .from(propertyImages)
      .where(eq(propertyImages.propertyId, home.id as string));
    expect(Object.fromEntries(rows.map((r) => [r.id, r.sortOrder]))).toEqual({
      [ids[0] as string]: 1,
      [ids[1] as string]: 0,
    });
  });

  it('inquiries reject a bad phone, a short message and a property that does not exist', async () => {
    const base = { name: 'Visitor', email: 'v@example.com', message: 'I would like to visit.' };
    expect(await dbError(db.insert(inquiries).values({ id: uuidv7(), ...base, phone: '555-1234' }))).toEqual({
      code: '23514',
      constraint: 'inquiries_phone_format',
    });
    expect(await dbError(db.insert(inquiries).values({ id: uuidv7(), ...base, message: 'short' }))).toEqual({
      code: '23514',
      constraint: 'inquiries_message_length',
    });
    const fk = await dbError(db.insert(inquiries).values({ id: uuidv7(), ...base, propertyId: uuidv7() }));
    expect(fk.code).toBe('23503');
  });

  it('inquiries keep their row when the listing or the assignee is deleted (SET NULL)', async () => {
    const home = listing();
    await db.insert(properties).values(home);
    const agent = await createTestUser({ role: 'admin' });
    const id = uuidv7();
    await db.insert(inquiries).values({
      id,
      propertyId: home.id,
      assignedTo: agent.id,
      name: 'Visitor',
      email: 'v@example.com',
      message: 'Is it still available?',
    });
    await db.delete(properties).where(eq(properties.id, home.id as string));
    await db.delete(users).where(eq(users.id, agent.id));
    const [row] = await db.select().from(inquiries).where(eq(inquiries.id, id));
    expect(row?.propertyId).toBeNull();
    expect(row?.assignedTo).toBeNull();
  });

  it('sessions and refresh tokens go with their user (CASCADE) and only store a SHA-256 hash', async () => {
    const user = await createTestUser();
    expect(
      await dbError(
        db.insert(refreshTokens).values({
          id: uuidv7(),
          sessionId: user.sessionId,
          userId: user.id,
          tokenHash: 'not-a-hash',
          expiresAt: new Date(Date.now() + 60_000),
        }),
      ),
    ).toEqual({ code: '23514', constraint: 'refresh_tokens_token_hash_format' });
    await db.delete(users).where(eq(users.id, user.id));
    expect(await db.select().from(sessions).where(eq(sessions.userId, user.id))).toHaveLength(0);
  });

  it('notification_queue idempotency keys are unique and a sending row needs a lease', async () => {
    const key = `test:${uuidv7()}`;
    const row = { kind: 'account_locked', recipient: 'a@example.com', idempotencyKey: key };
    await db.insert(notificationQueue).values({ id: uuidv7(), ...row });
    expect(await dbError(db.insert(notificationQueue).values({ id: uuidv7(), ...row }))).toEqual({
      code: '23505',
      constraint: 'notification_queue_idempotency_key_key',
    });
    expect(
      await dbError(
        db.insert(notificationQueue).values({ id: uuidv7(), ...row, idempotencyKey: `${key}:2`, status: 'sending' }),
      ),
    ).toEqual({ code: '23514', constraint: 'notification_queue_lease' });
  });

  it('job_runs allow one running run per job', async () => {
    const name = `test-job-${uuidv7()}`;
    await db.insert(jobRuns).values({ id: uuidv7(), name, trigger: 'manual' });
    expect(await dbError(db.insert(jobRuns).values({ id: uuidv7(), name, trigger: 'manual' }))).toEqual({
      code: '23505',
      constraint: 'job_runs_one_running_idx',
    });
  });

  it('the updated_at trigger moves updated_at on every update', async () => {
    const user = await createTestUser();
    const [before] = await db.select({ updatedAt: users.updatedAt }).from(users).where(eq(users.id, user.id));
    // now() is the transaction's start: a later statement is a later transaction.
    await db.execute(sql`select pg_sleep(0.01)`);
    await db.update(users).set({ name: 'Renamed' }).where(eq(users.id, user.id));
    const [after] = await db.select({ updatedAt: users.updatedAt }).from(users).where(eq(users.id, user.id));
    expect(after?.updatedAt.getTime()).toBeGreaterThan(before?.updatedAt.getTime() ?? Number.POSITIVE_INFINITY);
  });

  it('a batch is one transaction: a failing statement rolls back the earlier ones', async () => {
    const email = uniqueEmail();
    await expect(
      db.batch([
        db.insert(users).values({ id: uuidv7(), email, passwordHash: HASH, name: 'Batch' }),
        db.insert(users).values({ id: uuidv7(), email, passwordHash: HASH, name: 'Duplicate' }),
      ]),
    ).rejects.toThrow();
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });
});
