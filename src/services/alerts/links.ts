import { createUnsubscribeToken } from '../saved-searches/unsubscribe-token';

/** What an alert email's links are built from, at render time (nothing secret is queued). */
export interface AlertLinkContext {
  /** The visitors' website (APP_URL). */
  appUrl: string;
  /** This API's public origin (API_URL). */
  apiUrl: string;
  /** cursorSecret(config): signs the unsubscribe tokens. */
  unsubscribeSecret: string;
}

const origin = (url: string) => url.replace(/\/+$/, '');

/** A page of the website that takes a `token` parameter (reset, verification, unsubscribe links). */
export function tokenPageUrl(context: Pick<AlertLinkContext, 'appUrl'>, page: string, token: string): string {
  return `${origin(context.appUrl)}${page}?token=${encodeURIComponent(token)}`;
}

export function listingUrl(context: Pick<AlertLinkContext, 'appUrl'>, slug: string): string {
  return `${origin(context.appUrl)}/properties/${encodeURIComponent(slug)}`;
}

/** The website's search results for a saved search's own query (its "and N more" link). */
export function searchUrl(context: Pick<AlertLinkContext, 'appUrl'>, query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof value === 'string' || typeof value === 'number') params.set(key, String(value));
  }
  const text = params.toString();
  return `${origin(context.appUrl)}/properties${text ? `?${text}` : ''}`;
}

export interface UnsubscribeLinks {
  /** The page of the website that confirms the unsubscribe (the link in the body). */
  page: string;
  /** RFC 8058 one-click: what List-Unsubscribe names, POSTed by the mail client. */
  oneClick: string;
}

/** Links that turn off the alerts of one saved search, or of all those given (a digest's). */
export async function unsubscribeLinks(
  context: AlertLinkContext,
  savedSearchIds: string | string[],
): Promise<UnsubscribeLinks> {
  const token = await createUnsubscribeToken(context.unsubscribeSecret, savedSearchIds);
  return {
    page: tokenPageUrl(context, '/unsubscribe', token),
    oneClick: `${origin(context.apiUrl)}/v1/alerts/unsubscribe?token=${encodeURIComponent(token)}`,
  };
}

/**
 * The List-Unsubscribe headers of an alert email: exactly one HTTPS URL, as RFC 8058 wants for
 * one-click, whose token names every search the email is about.
 */
export function unsubscribeHeaders(links: UnsubscribeLinks): Record<string, string> {
  return {
    'List-Unsubscribe': `<${links.oneClick}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
