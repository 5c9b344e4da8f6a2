import { createMiddleware } from 'hono/factory';
import { type AppEnv, getConfig } from '../../env';
import { cursorSecret } from '../../lib/cursor';
import { ApiError, unprocessable } from '../../lib/errors';
import { spendRateLimit } from '../../middleware/rate-limit';
import { unsubscribeSavedSearch } from '../../services/saved-searches/unsubscribe';
import type { AppRouteHandler } from '../shared/request-context';
import type { unsubscribeRoute } from './alerts.routes';

const JSON_TYPE = /^application\/([a-z.-]+\+)?json(;.*)?$/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded(;.*)?$/i;

/**
 * Which of the two accepted shapes the request is, by its media type. Checked by
 * `requireUnsubscribeMediaType` before the body is validated: the form validator also parses
 * multipart, which would otherwise be a 422 about its fields instead of the 415 it is.
 */
function shapeOf(contentType: string | undefined): 'json' | 'one-click' {
  if (contentType && JSON_TYPE.test(contentType)) return 'json';
  if (contentType && FORM_TYPE.test(contentType)) return 'one-click';
  throw new ApiError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'Send {token} as application/json, or the one-click form (application/x-www-form-urlencoded).',
  });
}

/** The token, from where its shape carries it: the JSON body, or the URL of the one-click form. */
function tokenOf(shape: 'json' | 'one-click', bodyToken: string | undefined, urlToken: string | undefined): string {
  if (shape === 'json') {
    if (urlToken !== undefined) {
      throw unprocessable([{ path: 'token', message: 'with a JSON body the token goes in the body, not the URL' }]);
    }
    if (bodyToken !== undefined) return bodyToken;
  } else if (urlToken !== undefined) return urlToken;
  throw unprocessable([{ path: 'token', message: 'Required' }]);
}

export const requireUnsubscribeMediaType = createMiddleware<AppEnv>(async (c, next) => {
  shapeOf(c.req.header('Content-Type'));
  await next();
});

export const unsubscribeHandler: AppRouteHandler<typeof unsubscribeRoute> = async (c) => {
  const shape = shapeOf(c.req.header('Content-Type'));
  // The library types both bodies as one; only the JSON one has a token.
  const body = shape === 'json' ? c.req.valid('json') : undefined;
  const token = tokenOf(shape, body && 'token' in body ? body.token : undefined, c.req.valid('query').token);
  try {
    await unsubscribeSavedSearch(c.var.db, cursorSecret(getConfig(c.env)), token);
  } catch (error) {
    // Only a refused token spends the client's budget (guessing): a mail provider relays many
    // recipients' valid one-click requests from a few addresses, and each can do one thing once.
    if (error instanceof ApiError && error.code === 'INVALID_UNSUBSCRIBE_TOKEN') {
      await spendRateLimit(c, 'AUTH_RATE_LIMITER', 'unsubscribe');
    }
    throw error;
  }
  return c.body(null, 204);
};
