import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import type { ListingType, PropertyType } from '../../db/enums';
import { properties, propertyImages } from '../../db/schema';
import { conflict, notFound, preconditionFailed } from '../../lib/errors';
import { type AuditContext, auditInsertWhere } from '../audit/record';
import { slugCandidate, slugify } from './slug';

export interface AddressInput {
  line1: string;
  city: string;
  region?: string;
  postalCode?: string;
  country: string;
}

export interface ListingInput {
  title: string;
  description?: string;
  propertyType: PropertyType;
  listingType: ListingType;
  price: number;
  currency?: string;
  bedrooms?: number;
  bathrooms?: number;
  areaSqm?: number | null;
  address: AddressInput;
  latitude?: number | null;
  longitude?: number | null;
  features?: string[];
}

export type ListingPatch = Partial<Omit<ListingInput, 'address'>> & { address?: Partial<AddressInput> };

function columnsOf(input: ListingPatch) {
  const a: Partial<AddressInput> = input.address ?? {};
  const values = {
    title: input.title,
    description: input.description,
    propertyType: input.propertyType,
    listingType: input.listingType,
    price: input.price,
    currency: input.currency,
    bedrooms: input.bedrooms,
    bathrooms: input.bathrooms,
    areaSqm: input.areaSqm,
    addressLine1: a.line1,
    city: a.city,
    region: a.region,
    postalCode: a.postalCode,
    country: a.country,
    latitude: input.latitude,
    longitude: input.longitude,
    features: input.features,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<
    typeof properties.$inferInsert
  >;
}

/** The current values of `set`'s columns, as a jsonb expression keyed like `set`. */
function fieldsOf(set: Partial<typeof properties.$inferInsert>): SQL {
  const pairs = Object.keys(set).map(
    (key) => sql`${key}::text, ${properties[key as keyof typeof set] as typeof properties.id}`,
  );
  return pairs.length === 0 ? sql`'{}'::jsonb` : sql`jsonb_build_object(${sql.join(pairs, sql`, `)})`;
}

/** Inserts a draft; the slug comes from the title and is made unique by a suffix when taken. */
export async function createListing(
  db: Database,
  input: ListingInput,
  actorId: string,
  audit: AuditContext,
): Promise<string> {
  const base = slugify(input.title);
  const id = uuidv7();
  const columns = columnsOf(input);
  for (let attempt = 0; attempt < 8; attempt++) {
    const [inserted] = await db.batch([
      db
        .insert(properties)
        .values({
          id,
          slug: slugCandidate(base, attempt),
          status: 'draft',
          createdBy: actorId,
          ...(columns as Omit<typeof properties.$inferInsert, 'id' | 'slug'>),
        })
        .onConflictDoNothing({ target: properties.slug })
        .returning({ id: properties.id }),
      // The id is new: the row exists only if the insert above made it.
      auditInsertWhere(
        db,
        audit,
        { action: 'listing.create', targetType: 'listing', targetId: id, after: columns },
        sql`from ${properties} where id = ${id}`,
      ),
    ]);
    if (inserted.length > 0) return id;
  }
  throw conflict('SLUG_TAKEN', 'Could not find a free slug for this title.');
}

/**
 * One UPDATE guarded by the expected version: a stale If-Match changes nothing (412).
 * `expectedVersion` null means the client sent no If-Match.
 */
export async function updateListing(
  db: Database,
  id: string,
  patch: ListingPatch,
  expectedVersion: number | null,
  audit: AuditContext,
): Promise<void> {
  const set = columnsOf(patch);
  const conditions: SQL[] = [eq(properties.id, id)];
  if (expectedVersion !== null) conditions.push(eq(properties.version, expectedVersion));
  const [, updated] = await db.batch([
    // First, locking the row the update then surely changes: no entry without its change.
    auditInsertWhere(
      db,
      audit,
      { action: 'listing.update', targetType: 'listing', targetId: id, before: fieldsOf(set), after: set },
      sql`from ${properties} where ${and(...conditions)} for update`,
    ),
    db
      .update(properties)
      .set({ ...set, version: sql`${properties.version} + 1` })
      .where(and(...conditions))
      .returning({ id: properties.id }),
  ]);
  if (updated.length > 0) return;
  const exists = await db.select({ id: properties.id }).from(properties).where(eq(properties.id, id));
  if (exists.length === 0) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  throw preconditionFailed('PRECONDITION_FAILED', 'The listing changed since you read it; fetch it again.');
}

export interface DeletedListing {
  id: string;
  slug: string;
  r2Keys: string[];
}

/** Deletes the listing and its image rows in one transaction; returns the R2 keys to remove. */
export async function deleteListing(db: Database, id: string, audit: AuditContext): Promise<DeletedListing | null> {
  const [, images, deleted] = await db.batch([
    auditInsertWhere(
      db,
      audit,
      {
        action: 'listing.delete',
        targetType: 'listing',
        targetId: id,
        before: sql`jsonb_build_object('title', title, 'slug', slug, 'status', status)`,
      },
      sql`from ${properties} where id = ${id} for update`,
    ),
    db.delete(propertyImages).where(eq(propertyImages.propertyId, id)).returning({ r2Key: propertyImages.r2Key }),
    db.delete(properties).where(eq(properties.id, id)).returning({ id: properties.id, slug: properties.slug }),
  ]);
  const row = deleted[0];
  if (!row) return null;
  return { id: row.id, slug: row.slug, r2Keys: images.map((i) => i.r2Key) };
}

/** Current slugs of listings, for purging their cached pages. */
export async function listingSlugs(db: Database, ids: string[]): Promise<Array<{ id: string; slug: string }>> {
  if (ids.length === 0) return [];
  return db.select({ id: properties.id, slug: properties.slug }).from(properties).where(inArray(properties.id, ids));
}
