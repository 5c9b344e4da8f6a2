import type { SavedSearchRow } from './saved-searches';

/** A saved search as the API shows it (API.md, savedSearch). */
export function savedSearchView(row: SavedSearchRow) {
  return {
    id: row.id,
    name: row.name,
    query: row.query,
    alerts: row.alerts,
    frequency: row.frequency,
    createdAt: row.createdAt.toISOString(),
    lastAlertedAt: row.lastAlertedAt?.toISOString() ?? null,
  };
}
