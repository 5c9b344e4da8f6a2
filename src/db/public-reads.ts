import type { Database } from './client';
import { classifyDatabaseError } from './errors';

/**
 * Where the public, anonymous reads run: search, facets, listing detail and photo lookups. They
 * go to the read replica (`DATABASE_READ_URL`) when there is one; a replica that cannot be
 * reached costs a retry on the primary, never the visitor's answer. Nothing else reads from
 * the replica: admin screens, auth and every write must see their own writes.
 */
export interface PublicReads {
  run<T>(read: (db: Database) => Promise<T>): Promise<T>;
}

export function publicReads(
  primary: Database,
  replica: Database | null,
  onFallback: (error: unknown) => void,
): PublicReads {
  if (!replica) return { run: (read) => read(primary) };
  return {
    run: async (read) => {
      try {
        return await read(replica);
      } catch (error) {
        // Only an unreachable replica: a query the replica refused would fail on the primary too.
        if (classifyDatabaseError(error)?.kind !== 'unavailable') throw error;
        onFallback(error);
        return read(primary);
      }
    },
  };
}
