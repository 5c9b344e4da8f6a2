import { and, asc, inArray, isNotNull, like, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { propertyImages } from '../../db/schema';
import { SYSTEM_AUDIT } from '../audit/record';
import { IMAGE_KEY_PREFIX } from './limits';
import { deleteImage } from './manage';
import { allVariantKeys, originalKeyOf } from './variants';

export interface OrphanOptions {
  /** Stop after deleting this many objects (default 1000). */
  limit?: number;
  /**
   * Objects younger than this are never touched (default one hour): an upload stores the object
   * before its row, so a very recent object without a row may be an upload in flight.
   */
  graceMs?: number;
  /** Stop after listing this many objects (default 50,000), to bound one run. */
  maxScanned?: number;
  now?: Date;
  /** Narrow the sweep to keys under this prefix (default: every listing photo, `properties/`). */
  prefix?: string;
  /** Only report, delete nothing. */
  dryRun?: boolean;
}

export interface OrphanReport {
  scanned: number;
  orphaned: number;
  deleted: number;
  keys: string[];
  /** Rows flagged by a request that found no object: still missing, so deleted with their variants. */
  missingRowsDeleted: number;
  /** Flagged rows whose object is there after all (the flag is cleared). */
  missingRowsCleared: number;
}

/**
 * Deletes R2 objects under `properties/` that no property_images row references — left behind
 * when an R2 delete failed after its row was gone. For the nightly retention job.
 */
export async function deleteOrphanedImages(
  db: Database,
  bucket: R2Bucket,
  options: OrphanOptions = {},
): Promise<OrphanReport> {
  const limit = options.limit ?? 1000;
  const graceMs = options.graceMs ?? 3_600_000;
  const maxScanned = options.maxScanned ?? 50_000;
  const cutoff = (options.now ?? new Date()).getTime() - graceMs;
  const report: OrphanReport = {
    scanned: 0,
    orphaned: 0,
    deleted: 0,
    keys: [],
    missingRowsDeleted: 0,
    missingRowsCleared: 0,
  };
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix: options.prefix ?? IMAGE_KEY_PREFIX,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    report.scanned += page.objects.length;
    const old = page.objects.filter((o) => o.uploaded.getTime() < cutoff).map((o) => o.key);
    if (old.length > 0) {
      // A variant belongs to the row of its original: it goes when that row is gone.
      const owner = (key: string) => originalKeyOf(key) ?? key;
      const referenced = await db
        .select({ key: propertyImages.r2Key })
        .from(propertyImages)
        .where(inArray(propertyImages.r2Key, [...new Set(old.map(owner))]));
      const keep = new Set(referenced.map((r) => r.key));
      const orphans = old.filter((k) => !keep.has(owner(k))).slice(0, limit - report.orphaned);
      report.orphaned += orphans.length;
      report.keys.push(...orphans);
      if (orphans.length > 0 && !options.dryRun) {
        await bucket.delete(orphans);
        report.deleted += orphans.length;
      }
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && report.orphaned < limit && report.scanned < maxScanned);
  if (!options.dryRun)
    await settleMissingObjects(db, bucket, options.prefix ?? IMAGE_KEY_PREFIX, cutoff, limit, report);
  return report;
}

/**
 * Rows a request found without their R2 object (`object_missing_at`), flagged before the grace
 * period: looked at again, since a flag can come from a moment of R2 trouble. Still missing: the
 * row goes (with the same order and cover upkeep as an admin's delete) and its variants with it.
 * There after all: the flag is cleared.
 */
async function settleMissingObjects(
  db: Database,
  bucket: R2Bucket,
  prefix: string,
  cutoff: number,
  limit: number,
  report: OrphanReport,
): Promise<void> {
  const flagged = await db
    .select({ id: propertyImages.id, r2Key: propertyImages.r2Key })
    .from(propertyImages)
    .where(
      and(
        isNotNull(propertyImages.objectMissingAt),
        lt(propertyImages.objectMissingAt, new Date(cutoff)),
        like(propertyImages.r2Key, `${prefix.replace(/[\\%_]/g, '\\$&')}%`),
      ),
    )
    .orderBy(asc(propertyImages.objectMissingAt))
    .limit(limit);
  for (const row of flagged) {
    if (await bucket.head(row.r2Key)) {
      await db
        .update(propertyImages)
        .set({ objectMissingAt: null })
        .where(inArray(propertyImages.id, [row.id]));
      report.missingRowsCleared++;
      continue;
    }
    // The photo's row goes with its lost object: the trail says so, with no actor.
    if (await deleteImage(db, row.id, SYSTEM_AUDIT)) {
      await bucket.delete(allVariantKeys(row.r2Key));
      report.missingRowsDeleted++;
    }
  }
}
