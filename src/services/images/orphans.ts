import { inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { propertyImages } from '../../db/schema';
import { IMAGE_KEY_PREFIX } from './limits';

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
  const report: OrphanReport = { scanned: 0, orphaned: 0, deleted: 0, keys: [] };
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
      const referenced = await db
        .select({ key: propertyImages.r2Key })
        .from(propertyImages)
        .where(inArray(propertyImages.r2Key, old));
      const keep = new Set(referenced.map((r) => r.key));
      const orphans = old.filter((k) => !keep.has(k)).slice(0, limit - report.orphaned);
      report.orphaned += orphans.length;
      report.keys.push(...orphans);
      if (orphans.length > 0 && !options.dryRun) {
        await bucket.delete(orphans);
        report.deleted += orphans.length;
      }
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor && report.orphaned < limit && report.scanned < maxScanned);
  return report;
}
