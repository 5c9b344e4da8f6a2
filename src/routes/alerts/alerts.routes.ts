import { defineRoute } from '../shared/openapi';
import { requireUnsubscribeMediaType } from './alerts.handlers';
import { OneClickFormSchema, UnsubscribeBodySchema, UnsubscribeQuerySchema } from './alerts.schemas';

export const unsubscribeRoute = defineRoute(
  {
    operationId: 'unsubscribeAlerts',
    description:
      'Turns off the alerts of the saved searches an alert email was sent for (their `frequency` becomes `off`): ' +
      'the one search of an instant alert, every search of a digest; no ' +
      'sign-in, the signed token is the proof. Two shapes only: a JSON body `{token}` (the website’s unsubscribe ' +
      'page), or RFC 8058 one-click, as mail clients send it to the `List-Unsubscribe` URL: `?token=…` in the URL and ' +
      'the form body `List-Unsubscribe=One-Click`. Any other media type is a 415. Idempotent: a repeat, or the token ' +
      'of a saved search deleted since, is a 204 as well (nothing is left to alert). A token that is altered, ' +
      'truncated or of another kind (a page cursor, say) is a 400 `INVALID_UNSUBSCRIBE_TOKEN`. Invalid tokens are rate limited per ' +
      'client (429); valid ones never are, since a mail provider relays many recipients’ one-click requests from ' +
      'few addresses.',
    method: 'post',
    path: '/v1/alerts/unsubscribe',
    tags: ['Saved searches'],
    summary: 'Unsubscribe from a saved search’s alerts (one-click, no sign-in)',
    middleware: [requireUnsubscribeMediaType] as const,
    request: {
      query: UnsubscribeQuerySchema,
      body: {
        description: 'Either `{token}` as JSON, or the one-click form with the token in the URL.',
        content: {
          'application/json': { schema: UnsubscribeBodySchema },
          'application/x-www-form-urlencoded': { schema: OneClickFormSchema },
        },
      },
    },
    responses: {
      204: { description: 'The saved search sends no more alerts' },
    },
  },
  ['INVALID_UNSUBSCRIBE_TOKEN', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED'],
);
