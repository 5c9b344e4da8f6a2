import { requireRole } from '../../middleware/auth';
import { MAX_SAVED_SEARCHES } from '../../services/saved-searches/limits';
import { defineRoute, jsonBody, jsonContent } from '../shared/openapi';
import { IdParam } from '../shared/schemas';
import {
  CreateSavedSearchSchema,
  SavedSearchListSchema,
  SavedSearchSchema,
  UpdateSavedSearchSchema,
} from './saved-searches.schemas';

const security = [{ bearerAuth: [] }];
const tags = ['Saved searches'];

export const listSavedSearchesRoute = defineRoute(
  {
    operationId: 'listSavedSearches',
    description: `All of the caller’s saved searches (at most ${MAX_SAVED_SEARCHES}), newest first; no paging.`,
    method: 'get',
    path: '/v1/me/saved-searches',
    tags,
    summary: 'Your saved searches',
    security,
    middleware: [requireRole('user')] as const,
    responses: {
      200: jsonContent(SavedSearchListSchema, 'Saved searches, newest first'),
    },
  },
  [],
);

export const createSavedSearchRoute = defineRoute(
  {
    operationId: 'createSavedSearch',
    description:
      `Saves a search of \`GET /v1/properties\` (filters only) with its alerts. At most ${MAX_SAVED_SEARCHES} per user: ` +
      'the next is a 409 `SAVED_SEARCH_LIMIT`, concurrent requests included. `query` comes back in its canonical URL ' +
      'spelling (strings), so `GET /v1/properties?<query as URL parameters>` runs the saved search. Alerts start ' +
      'with the events after the search is saved.',
    method: 'post',
    path: '/v1/me/saved-searches',
    tags,
    summary: 'Save a search, with email alerts',
    security,
    middleware: [requireRole('user')] as const,
    request: { body: jsonBody(CreateSavedSearchSchema) },
    responses: {
      201: jsonContent(SavedSearchSchema, 'The saved search'),
    },
  },
  ['SAVED_SEARCH_LIMIT'],
);

export const getSavedSearchRoute = defineRoute(
  {
    operationId: 'getSavedSearch',
    description: 'One saved search of the caller; another user’s is a 404, like an unknown id.',
    method: 'get',
    path: '/v1/me/saved-searches/{id}',
    tags,
    summary: 'One of your saved searches',
    security,
    middleware: [requireRole('user')] as const,
    request: { params: IdParam },
    responses: {
      200: jsonContent(SavedSearchSchema, 'The saved search'),
    },
  },
  ['SAVED_SEARCH_NOT_FOUND'],
);

export const updateSavedSearchRoute = defineRoute(
  {
    operationId: 'updateSavedSearch',
    description:
      'Changes the fields given; `query`, when given, replaces the saved query whole. The search keeps its ' +
      '`createdAt`, and alerts still only cover events after it. Another user’s saved search is a 404.',
    method: 'patch',
    path: '/v1/me/saved-searches/{id}',
    tags,
    summary: 'Rename a saved search, change its query, alerts or frequency',
    security,
    middleware: [requireRole('user')] as const,
    request: { params: IdParam, body: jsonBody(UpdateSavedSearchSchema) },
    responses: {
      200: jsonContent(SavedSearchSchema, 'The updated saved search'),
    },
  },
  ['SAVED_SEARCH_NOT_FOUND'],
);

export const deleteSavedSearchRoute = defineRoute(
  {
    operationId: 'deleteSavedSearch',
    description: 'Deletes one saved search of the caller; no more alerts come from it. Another user’s is a 404.',
    method: 'delete',
    path: '/v1/me/saved-searches/{id}',
    tags,
    summary: 'Delete one of your saved searches',
    security,
    middleware: [requireRole('user')] as const,
    request: { params: IdParam },
    responses: {
      204: { description: 'Deleted' },
    },
  },
  ['SAVED_SEARCH_NOT_FOUND'],
);
