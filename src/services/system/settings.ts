import { z } from 'zod';
import type { Bindings } from '../../env';

const days = (fallback: number) => z.coerce.number().int().min(1).max(3650).default(fallback);

const schema = z.object({
  RETENTION_ANALYTICS_DAYS: days(90),
  RETENTION_TOKENS_DAYS: days(7),
  RETENTION_NOTIFICATIONS_DAYS: days(30),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(5_000),
  RETENTION_MAX_BATCHES: z.coerce.number().int().min(1).max(10_000).default(200),
  // 0 is for tests only: it would let the sweep remove a photo whose upload is still in flight.
  ORPHAN_IMAGE_MIN_AGE_MINUTES: z.coerce.number().int().min(0).max(100_000).default(60),
  ORPHAN_IMAGE_PREFIX: z.string().min(1).default('properties/'),
  REINDEX_MAX_INDEXES: z.coerce.number().int().min(1).max(100).default(8),
});

export type MaintenanceSettings = z.infer<typeof schema>;

/** Periods and limits of the upkeep jobs; every one has a default and may be set as a Worker var. */
export function maintenanceSettings(env: Bindings): MaintenanceSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid maintenance configuration: ${fields}`);
  }
  return parsed.data;
}
