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
  /** Resume after this key (a previous run's `resumeAfter`); unset starts at the beginning. */
  startAfter?: string;
  now?: Date;
  /** Narrow the sweep to keys under this prefix (default: every listing photo, `properties/`). */
  prefix?: string;
  /** Only report, delete nothing. */
  dryRun?: boolean;
}

export interface OrphanReport {
  prefix: string;
  /** Where this run began (null: the beginning of the prefix). */
  startedAfter: string | null;
  scanned: number;
  orphaned: number;
  deleted: number;
  keys: string[];
  /** Where the next run goes on (null: this run reached the end, the next pass starts over). */
  resumeAfter: string | null;
  /** Rows flagged by a request that found no object: still missing, so deleted with their variants. */
  missingRowsDeleted: number;
  /** Flagged rows whose object is there after all (the flag is cleared). */
  missingRowsCleared: number;
}

/**
 * Deletes R2 objects under `properties/` that no property_images row references — left behind
 * when an R2 delete failed after its row was gone. For the nightly retention job. One run lists
 * at most `maxScanned` keys in key order and says where it stopped (`resumeAfter`), so a bucket
 * of N objects is covered in ⌈N / maxScanned⌉ runs that each go on where the last one stopped.
 */
export async function deleteOrphanedImages(
  db: Database,
  bucket: R2Bucket,
  options: OrphanOptions = {},
): Promise<OrphanReport> {
  const limit = options.limit ?? 1000;
  const graceMs = options.graceMs ?? 3_600_000;
  const maxScanned = options.maxScanned ?? 50_000;
  const prefix = options.prefix ?? IMAGE_KEY_PREFIX;
  const cutoff = (options.now ?? new Date()).getTime() - graceMs;
  const report: OrphanReport = {
    prefix,
    startedAfter: options.startAfter ?? null,
    scanned: 0,
    orphaned: 0,
    deleted: 0,
    keys: [],
    resumeAfter: null,
    missingRowsDeleted: 0,
    missingRowsCleared: 0,
  };
  let after = options.startAfter;
  for (;;) {
    const page = await bucket.list({
      prefix,
      limit: Math.min(1000, maxScanned - report.scanned),
      ...(after ? { startAfter: after } : {}),
    });
    report.scanned += page.objects.length;
    const old = page.objects.filter((o) => o.uploaded.getTime() < cutoff).map((o) => o.key);
    let orphans: string[] = [];
    if (old.length > 0) {
      // A variant belongs to the row of its original: it goes when that row is gone.
      const owner = (key: string) => originalKeyOf(key) ?? key;
      const referenced = await db
        .select({ key: propertyImages.r2Key })
        .from(propertyImages)
        .where(inArray(propertyImages.r2Key, [...new Set(old.map(owner))]));
      const keep = new Set(referenced.map((r) => r.key));
      orphans = old.filter((k) => !keep.has(owner(k)));
    }
    const room = limit - report.orphaned;
    const taken = orphans.slice(0, room);
    report.orphaned += taken.length;
    report.keys.push(...taken);
    if (taken.length > 0 && !options.dryRun) {
      await bucket.delete(taken);
      report.deleted += taken.length;
    }
    if (orphans.length > room) {
      // The delete limit is reached inside this page: the next run looks again after the last one removed.
      report.resumeAfter = taken.at(-1) ?? after ?? null;
      break;
    }
    const last = page.objects.at(-1)?.key;
    if (!page.truncated || !last) break;
    after = last;
    if (report.scanned >= maxScanned) {
      report.resumeAfter = last;
      break;
    }
  }
  if (!options.dryRun) await settleMissingObjects(db, bucket, prefix, cutoff, limit, report);
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
