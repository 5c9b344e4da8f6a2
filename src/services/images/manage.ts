import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { properties, propertyImages } from '../../db/schema';
import { ApiError, notFound, unprocessable } from '../../lib/errors';
import { type AuditContext, auditInsertFrom, auditInsertWhere } from '../audit/record';
import { imageColumns, PUBLIC_STATUS } from '../listings/columns';
import type { ImageRow } from '../listings/serialize';

export type ManagedImage = ImageRow & { propertyId: string };

/**
 * Reorders every image of a listing in ONE UPDATE (the unique (property_id, sort_order) is
 * deferrable, so positions can be permuted). `imageIds` must name each image exactly once.
 * The first photo becomes the cover when none is set.
 */
export async function reorderImages(
  db: Database,
  propertyId: string,
  imageIds: string[],
  audit: AuditContext,
): Promise<ImageRow[]> {
  const [listing, current] = await db.batch([
    db.select({ id: properties.id }).from(properties).where(eq(properties.id, propertyId)),
    db.select({ id: propertyImages.id }).from(propertyImages).where(eq(propertyImages.propertyId, propertyId)),
  ]);
  if (listing.length === 0) throw notFound('PROPERTY_NOT_FOUND', 'No such listing.');
  const ids = imageIds.map((id) => id.toLowerCase());
  const known = new Set(current.map((r) => r.id));
  const errors: Array<{ path: string; message: string }> = [];
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) errors.push({ path: `imageIds.${i}`, message: 'listed more than once' });
    else if (!known.has(id)) errors.push({ path: `imageIds.${i}`, message: 'not an image of this listing' });
    seen.add(id);
  });
  for (const id of known) {
    if (!seen.has(id)) errors.push({ path: 'imageIds', message: `missing image ${id}` });
  }
  if (errors.length > 0) {
    throw unprocessable(errors, 'INVALID_IMAGE_ORDER', 'imageIds must name every image of the listing exactly once.');
  }
  if (ids.length === 0) return [];
  const list = sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const result = await db.execute(sql`
    with moved as (
    update ${propertyImages} pi
       set sort_order = t.ord - 1,
           is_cover = case when exists (select 1 from ${propertyImages} c where c.property_id = ${propertyId}::uuid and c.is_cover)
                           then pi.is_cover else t.ord = 1 end
      from unnest(array[${list}]) with ordinality as t(id, ord)
     where pi.id = t.id and pi.property_id = ${propertyId}::uuid
       and (select count(*) from ${propertyImages} n where n.property_id = ${propertyId}::uuid) = ${ids.length}
    returning pi.id
    ), audited as (
      ${auditInsertFrom(
        audit,
        {
          action: 'photo.reorder',
          targetType: 'listing',
          targetId: propertyId,
          // The statement's snapshot: the order before this update.
          before: sql`(select jsonb_build_object('imageIds', jsonb_agg(b.id order by b.sort_order))
            from ${propertyImages} b where b.property_id = ${propertyId}::uuid)`,
          after: { imageIds: ids },
        },
        sql`where exists (select 1 from moved)`,
      )}
    )
    select id from moved`);
  if (result.rows.length !== ids.length) {
    throw new ApiError({
      code: 'IMAGES_CHANGED',
      detail: 'The photos of this listing changed meanwhile; fetch them and retry.',
    });
  }
  return db
    .select(imageColumns)
    .from(propertyImages)
    .where(eq(propertyImages.propertyId, propertyId))
    .orderBy(asc(propertyImages.sortOrder));
}

/** Alt text and/or cover. Making one photo the cover unsets the previous one in the same batch. */
export async function updateImage(
  db: Database,
  imageId: string,
  patch: { altText?: string; isCover?: true },
  audit: AuditContext,
): Promise<ManagedImage> {
  const setAlt = patch.altText !== undefined ? { altText: patch.altText } : {};
  const changed = { ...setAlt, ...(patch.isCover ? { isCover: true } : {}) };
  // First in the batch, locking the row the updates then surely change: no entry without its change.
  const audited = auditInsertWhere(
    db,
    audit,
    {
      action: 'photo.update',
      targetType: 'photo',
      targetId: imageId,
      before: sql`jsonb_build_object(${sql.join(
        [
          ...(patch.altText !== undefined ? [sql`'altText', alt_text`] : []),
          ...(patch.isCover ? [sql`'isCover', is_cover`] : []),
        ],
        sql`, `,
      )}) || jsonb_build_object('propertyId', property_id)`,
      after: changed,
    },
    sql`from ${propertyImages} where id = ${imageId}::uuid for update`,
  );
  let rows: ManagedImage[];
  if (patch.isCover) {
    const owner = db
      .select({ p: propertyImages.propertyId })
      .from(propertyImages)
      .where(eq(propertyImages.id, imageId));
    const [, , updated] = await db.batch([
      audited,
      db
        .update(propertyImages)
        .set({ isCover: false })
        .where(
          and(
            inArray(propertyImages.propertyId, owner),
            eq(propertyImages.isCover, true),
            ne(propertyImages.id, imageId),
          ),
        ),
      db
        .update(propertyImages)
        .set({ ...setAlt, isCover: true })
        .where(eq(propertyImages.id, imageId))
        .returning(imageColumns),
    ]);
    rows = updated;
  } else if (patch.altText !== undefined) {
    const [, updated] = await db.batch([
      audited,
      db.update(propertyImages).set(setAlt).where(eq(propertyImages.id, imageId)).returning(imageColumns),
    ]);
    rows = updated;
  } else {
    rows = await db.select(imageColumns).from(propertyImages).where(eq(propertyImages.id, imageId));
  }
  const row = rows[0];
  if (!row) throw notFound('IMAGE_NOT_FOUND', 'No such image.');
  return row;
}

/**
 * Deletes the row, closes the gap in the order and hands the cover to the first remaining
 * photo if the cover went, all in one batch. Returns the R2 key for the caller to delete.
 */
export async function deleteImage(
  db: Database,
  imageId: string,
  audit: AuditContext,
): Promise<{ propertyId: string; r2Key: string } | null> {
  const [image] = await db
    .select({ propertyId: propertyImages.propertyId, r2Key: propertyImages.r2Key, sortOrder: propertyImages.sortOrder })
    .from(propertyImages)
    .where(eq(propertyImages.id, imageId));
  if (!image) return null;
  const pid = image.propertyId;
  const [, deleted] = await db.batch([
    auditInsertWhere(
      db,
      audit,
      {
        action: 'photo.delete',
        targetType: 'photo',
        targetId: imageId,
        before: sql`jsonb_build_object('propertyId', property_id, 'altText', alt_text, 'sortOrder', sort_order,
          'isCover', is_cover, 'sha256', sha256)`,
      },
      sql`from ${propertyImages} where id = ${imageId}::uuid for update`,
    ),
    db.delete(propertyImages).where(eq(propertyImages.id, imageId)).returning({ id: propertyImages.id }),
    db.execute(sql`
      update ${propertyImages} set sort_order = sort_order - 1
       where property_id = ${pid}::uuid and sort_order > ${image.sortOrder}::int`),
    db.execute(sql`
      update ${propertyImages} set is_cover = true
       where id = (select id from ${propertyImages} where property_id = ${pid}::uuid order by sort_order limit 1)
         and not exists (select 1 from ${propertyImages} where property_id = ${pid}::uuid and is_cover)`),
  ]);
  return deleted.length > 0 ? { propertyId: pid, r2Key: image.r2Key } : null;
}

/** What GET /v1/images/:id needs to serve a photo or a variant, and whether anyone may see it. */
export async function imageForServing(db: Database, imageId: string) {
  const [row] = await db
    .select({
      id: propertyImages.id,
      r2Key: propertyImages.r2Key,
      contentType: propertyImages.contentType,
      sha256: propertyImages.sha256,
      width: propertyImages.width,
      hasAlpha: propertyImages.hasAlpha,
      isPublic: sql<boolean>`${PUBLIC_STATUS}`.mapWith((v: unknown) => v === true || v === 't' || v === 'true'),
    })
    .from(propertyImages)
    .innerJoin(properties, eq(properties.id, propertyImages.propertyId))
    .where(eq(propertyImages.id, imageId));
  return row ?? null;
}
