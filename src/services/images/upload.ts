import { eq, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import type { Database } from '../../db/client';
import { classifyDatabaseError } from '../../db/errors';
import { properties, propertyImages } from '../../db/schema';
import { sha256Hex } from '../../lib/encoding';
import { ApiError, conflict, notFound } from '../../lib/errors';
import { IMMUTABLE_CACHE_CONTROL } from '../../lib/http-cache';
import { sniffImage } from '../../lib/image-sniff';
import { type AuditContext, auditInsertFrom } from '../audit/record';
import type { ImageRow } from '../listings/serialize';
import { imageKey, MAX_DECODED_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGES_PER_LISTING } from './limits';
import { sanitizeUpload } from './sanitize';

export interface UploadInput {
  propertyId: string;
  bytes: Uint8Array;
  altText: string;
  actorId: string;
  audit: AuditContext;
  /** The Images binding: applies EXIF orientation when the metadata is stripped. */
  transforms: ImagesBinding;
}

export interface UploadedImage extends ImageRow {
  propertyId: string;
  /** The listing's slug, so its cached pages can be purged without another query. */
  listingSlug: string;
  contentType: string;
  byteSize: number;
}

const tooMany = () =>
  conflict('TOO_MANY_IMAGES', `A listing can have at most ${MAX_IMAGES_PER_LISTING} photos; delete one first.`);

type InsertedRow = { sort_order: number; is_cover: boolean; slug: string };

/**
 * Inserts the row in one statement that also enforces the per-listing limit and picks the next
 * position; the first photo of a listing becomes its cover. Two concurrent uploads pick the
 * same position and one of them fails on the unique (property_id, sort_order): it is retried
 * once against fresh data, so the limit holds under concurrency too.
 */
async function insertRow(
  db: Database,
  row: Omit<typeof propertyImages.$inferInsert, 'sortOrder' | 'isCover'>,
  audit: AuditContext,
) {
  const statement = sql`
    with ins as (
    insert into ${propertyImages}
      (id, property_id, r2_key, content_type, byte_size, width, height, sha256, alt_text, sort_order, is_cover, created_by,
       has_alpha)
    select ${row.id}::uuid, p.id, ${row.r2Key}::text, ${row.contentType}::text, ${row.byteSize}::int,
           ${row.width}::int, ${row.height}::int, ${row.sha256}::text, ${row.altText}::text,
           coalesce(s.max_order + 1, 0), s.covers = 0, ${row.createdBy ?? null}::uuid, ${row.hasAlpha ?? false}::boolean
      from ${properties} p,
           lateral (select max(sort_order) as max_order, count(*) as n, count(*) filter (where is_cover) as covers
                      from ${propertyImages} where property_id = p.id) s
     where p.id = ${row.propertyId}::uuid and s.n < ${MAX_IMAGES_PER_LISTING}
    returning id, sort_order, is_cover, (select slug from ${properties} where id = ${row.propertyId}::uuid) as slug
    ), audited as (
      ${auditInsertFrom(
        audit,
        {
          action: 'photo.upload',
          targetType: 'photo',
          targetId: row.id,
          after: sql`jsonb_build_object('propertyId', ${row.propertyId}::uuid, 'altText', ${row.altText}::text,
            'sortOrder', sort_order, 'isCover', is_cover, 'sha256', ${row.sha256}::text)`,
        },
        sql`from ins`,
      )}
    )
    select sort_order, is_cover, slug from ins`;
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await db.execute<InsertedRow>(statement);
      return result.rows[0] ?? null;
    } catch (error) {
      if (attempt === 0 && classifyDatabaseError(error)?.kind === 'unique') continue;
      throw error;
    }
  }
}

function timedOut(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || /timed? ?out|aborted/i.test(e.message)) return true;
  }
  return false;
}

/**
 * After a failed insert: a refusal from the database means no row. A lost connection leaves the
 * outcome unknown (the insert may have committed and only its reply was lost), so look: deleting
 * the object of a committed row would leave a photo that can never be served. Absence proves
 * nothing after a timeout (the statement may still be running); an object kept without a row is
 * never served and the nightly orphan sweep removes it.
 */
async function rowAfterFailedInsert(
  db: Database,
  id: string,
  error: unknown,
): Promise<{ row: InsertedRow | null; absent: boolean }> {
  if (classifyDatabaseError(error)?.kind !== 'unavailable') return { row: null, absent: true };
  try {
    const [row] = await db
      .select({ sort_order: propertyImages.sortOrder, is_cover: propertyImages.isCover, slug: properties.slug })
      .from(propertyImages)
      .innerJoin(properties, eq(properties.id, propertyImages.propertyId))
      .where(eq(propertyImages.id, id));
    return { row: row ?? null, absent: !row && !timedOut(error) };
  } catch {
    return { row: null, absent: false };
  }
}

/**
 * Sniffs, stores in R2 under a key of our choosing with the sniffed type, then records the row
 * in one statement that also checks the listing and its photo limit. If the row cannot be
 * written the object is removed again. There is no separate check before the R2 write: a
 * refused upload (unknown or full listing: rare, admins only) costs an R2 write and delete,
 * every accepted one saves a round trip.
 */
export async function uploadImage(db: Database, bucket: R2Bucket, input: UploadInput): Promise<UploadedImage> {
  const sniffed = sniffImage(input.bytes);
  if (!sniffed.ok) {
    throw new ApiError({
      code: 'UNSUPPORTED_IMAGE',
      detail: 'Only complete JPEG, PNG, WebP or AVIF images are accepted (by their bytes).',
    });
  }
  const { contentType, width, height, decodedBytes } = sniffed.image;
  if (width * height > MAX_IMAGE_PIXELS || decodedBytes > MAX_DECODED_BYTES) {
    throw new ApiError({
      code: 'IMAGE_TOO_MANY_PIXELS',
      detail:
        `Images may have at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels and decode to at most ` +
        `${MAX_DECODED_BYTES / 1024 / 1024} MiB (this one: ${width}x${height}, ${Math.ceil(decodedBytes / 1024 / 1024)} MiB).`,
    });
  }
  // Only these bytes are stored: no metadata, orientation applied (dimensions may swap).
  const clean = await sanitizeUpload(input.transforms, input.bytes, sniffed.image);
  const bytes = clean.bytes;
  const id = uuidv7();
  const key = imageKey(input.propertyId, id);
  const sha256 = await sha256Hex(bytes);
  await bucket.put(key, bytes, {
    httpMetadata: { contentType, cacheControl: IMMUTABLE_CACHE_CONTROL },
    customMetadata: { propertyId: input.propertyId, imageId: id },
    sha256,
  });
  let inserted: InsertedRow | null;
  try {
    inserted = await insertRow(
      db,
      {
        id,
        propertyId: input.propertyId,
        r2Key: key,
        contentType,
        byteSize: bytes.byteLength,
        width: clean.width,
        height: clean.height,
        hasAlpha: clean.hasAlpha,
        sha256,
        altText: input.altText,
        createdBy: input.actorId,
      },
      input.audit,
    );
  } catch (error) {
    const after = await rowAfterFailedInsert(db, id, error);
    if (!after.row) {
      if (after.absent) await bucket.delete(key).catch(() => undefined);
      throw error;
    }
    inserted = after.row;
  }
  if (!inserted) {
    await bucket.delete(key).catch(() => undefined);
    const [still] = await db.select({ id: properties.id }).from(properties).where(eq(properties.id, input.propertyId));
    if (!still) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
    throw tooMany();
  }
  return {
    id,
    propertyId: input.propertyId,
    listingSlug: String(inserted.slug),
    altText: input.altText,
    width: clean.width,
    height: clean.height,
    sortOrder: Number(inserted.sort_order),
    isCover: inserted.is_cover === true || String(inserted.is_cover) === 't' || String(inserted.is_cover) === 'true',
    contentType,
    byteSize: bytes.byteLength,
  };
}
