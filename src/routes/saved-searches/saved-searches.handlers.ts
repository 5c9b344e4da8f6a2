import { DEFAULT_ALERTS, DEFAULT_FREQUENCY } from '../../services/saved-searches/limits';
import {
  createSavedSearch,
  deleteSavedSearch,
  getSavedSearch,
  listSavedSearches,
  type SavedQuery,
  updateSavedSearch,
} from '../../services/saved-searches/saved-searches';
import { savedSearchView } from '../../services/saved-searches/view';
import { type ParsedSearchFilters, toFilterParams, toFilters } from '../listings/listings.schemas';
import type { AppRouteHandler } from '../shared/request-context';
import type {
  createSavedSearchRoute,
  deleteSavedSearchRoute,
  getSavedSearchRoute,
  listSavedSearchesRoute,
  updateSavedSearchRoute,
} from './saved-searches.routes';

/** The parsed query twice over: its canonical URL spelling (stored as sent back) and the filters. */
const savedQuery = (parsed: ParsedSearchFilters): SavedQuery => ({
  params: toFilterParams(parsed),
  filters: toFilters(parsed),
});

export const listSavedSearchesHandler: AppRouteHandler<typeof listSavedSearchesRoute> = async (c) => {
  const rows = await listSavedSearches(c.var.db, c.var.auth.userId);
  return c.json({ data: rows.map(savedSearchView) }, 200);
};

export const createSavedSearchHandler: AppRouteHandler<typeof createSavedSearchRoute> = async (c) => {
  const body = c.req.valid('json');
  const row = await createSavedSearch(c.var.db, c.var.auth.userId, {
    name: body.name,
    query: savedQuery(body.query),
    alerts: body.alerts ?? DEFAULT_ALERTS,
    frequency: body.frequency ?? DEFAULT_FREQUENCY,
  });
  return c.json(savedSearchView(row), 201);
};

export const getSavedSearchHandler: AppRouteHandler<typeof getSavedSearchRoute> = async (c) => {
  const row = await getSavedSearch(c.var.db, c.var.auth.userId, c.req.valid('param').id);
  return c.json(savedSearchView(row), 200);
};

export const updateSavedSearchHandler: AppRouteHandler<typeof updateSavedSearchRoute> = async (c) => {
  const { query, ...rest } = c.req.valid('json');
  const row = await updateSavedSearch(c.var.db, c.var.auth.userId, c.req.valid('param').id, {
    ...rest,
    ...(query === undefined ? {} : { query: savedQuery(query) }),
  });
  return c.json(savedSearchView(row), 200);
};

export const deleteSavedSearchHandler: AppRouteHandler<typeof deleteSavedSearchRoute> = async (c) => {
  await deleteSavedSearch(c.var.db, c.var.auth.userId, c.req.valid('param').id);
  return c.body(null, 204);
};
