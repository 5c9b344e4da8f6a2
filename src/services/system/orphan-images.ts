import { inArray } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { propertyImages } from '../../db/schema';

/** Where listing photos live in the bucket. */
export const IMAGE_PREFIX = 'properties/';

export interface OrphanSweepResult {
  scanned: number;
  deleted: number;
  deletedKeys: string[];
}

/**
 * Deletes R2 objects under `properties/` that no property_images row names. Objects younger
 * than `minAgeMs` are left alone: an upload writes R2 before its row, so a young object
 * without a row may simply be in flight.
 */
export async function removeOrphanImages(
  db: Database,
  bucket: R2Bucket,
  options: { minAgeMs: number; now?: Date; prefix?: string },
): Promise<OrphanSweepResult> {
  const cutoff = (options.now ?? new Date()).getTime() - options.minAgeMs;
  const result: OrphanSweepResult = { scanned: 0, deleted: 0, deletedKeys: [] };
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: options.prefix ?? IMAGE_PREFIX, limit: 1000, cursor });
    result.scanned += page.objects.length;
    const candidates = page.objects.filter((o) => o.uploaded.getTime() < cutoff).map((o) => o.key);
    if (candidates.length > 0) {
      const rows = await db
        .select({ key: propertyImages.r2Key })
        .from(propertyImages)
        .where(inArray(propertyImages.r2Key, candidates));
      const known = new Set(rows.map((r) => r.key));
      const orphans = candidates.filter((key) => !known.has(key));
      if (orphans.length > 0) {
        await bucket.delete(orphans);
        result.deleted += orphans.length;
        // Keep the report bounded; the count stays exact.
        result.deletedKeys.push(...orphans.slice(0, Math.max(0, 50 - result.deletedKeys.length)));
      }
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return result;
}
