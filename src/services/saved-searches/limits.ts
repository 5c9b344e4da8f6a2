import { type AlertFrequency, LISTING_ALERT_KINDS, type ListingAlertKind } from '../../db/enums';

/** Saved searches one user may keep (API.md); the 26th is refused, concurrent creates included. */
export const MAX_SAVED_SEARCHES = 25;

/** saved_searches_name_length. */
export const SAVED_SEARCH_NAME_MAX = 100;

/** A search saved without `alerts` hears of every way a match becomes available. */
export const DEFAULT_ALERTS: readonly ListingAlertKind[] = LISTING_ALERT_KINDS;

/** A search saved without `frequency` alerts at once (the column's default too). */
export const DEFAULT_FREQUENCY: AlertFrequency = 'instant';
