import { formatMoney } from '../../lib/money';
import { escapeHtml } from '../email/escape-html';
import { singleLine } from '../email/single-line';
import { type AlertLinkContext, listingUrl, searchUrl, unsubscribeHeaders, unsubscribeLinks } from './links';

/** An alert email, ready for the transport (with its List-Unsubscribe headers). */
export interface AlertEmail {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

type Payload = Record<string, unknown>;

const line = singleLine;

const KIND_LABELS: Record<string, string> = {
  new_listing: 'New listing',
  price_drop: 'Price drop',
  back_on_market: 'Back on the market',
};

interface ListingItem {
  title: string;
  url: string;
  kind: string;
  price: string;
  previousPrice: string;
}

function money(value: unknown, currency: string): string {
  const amount = typeof value === 'number' ? value : Number(value);
  if (value === null || value === undefined || !Number.isSafeInteger(amount)) return '';
  try {
    return formatMoney(amount, currency);
  } catch {
    return `${amount} ${currency}`;
  }
}

function listingItem(context: AlertLinkContext, p: Payload): ListingItem {
  const currency = /^[A-Z]{3}$/.test(String(p.currency)) ? String(p.currency) : 'USD';
  return {
    title: line(p.title, 'A listing'),
    url: listingUrl(context, line(p.slug)),
    kind: line(p.kind),
    price: money(p.price, currency),
    previousPrice: p.kind === 'price_drop' ? money(p.previousPrice, currency) : '',
  };
}

function priceText(item: ListingItem): string {
  return item.previousPrice ? `${item.price} (was ${item.previousPrice})` : item.price;
}

function itemText(item: ListingItem): string[] {
  return [`${KIND_LABELS[item.kind] ?? 'Listing'}: ${item.title}`, `  ${priceText(item)}`, `  ${item.url}`];
}

function itemHtml(item: ListingItem): string {
  const was = item.previousPrice ? ` <s>${escapeHtml(item.previousPrice)}</s>` : '';
  return `<li><strong>${escapeHtml(KIND_LABELS[item.kind] ?? 'Listing')}:</strong> <a href="${escapeHtml(item.url)}">${escapeHtml(item.title)}</a><br>${escapeHtml(item.price)}${was}</li>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html><body><h1>${escapeHtml(title)}</h1>${body}<p>Gentle Space Realty</p></body></html>`;
}

interface SearchRef {
  id: string;
  name: string;
  query: Record<string, unknown>;
}

function searchRefs(value: unknown): SearchRef[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((s) => {
    if (typeof s !== 'object' || s === null || typeof (s as Payload).id !== 'string') return [];
    const ref = s as Payload;
    const query = typeof ref.query === 'object' && ref.query !== null ? (ref.query as Record<string, unknown>) : {};
    return [{ id: String(ref.id), name: line(ref.name, 'your saved search'), query }];
  });
}

/** One listing for one saved search (instant frequency). */
export async function renderListingAlert(context: AlertLinkContext, p: Payload): Promise<AlertEmail> {
  const item = listingItem(context, p);
  const searchName = line(p.searchName, 'your saved search');
  const links = await unsubscribeLinks(context, line(p.searchId));
  const label = KIND_LABELS[item.kind] ?? 'New match';
  const subject = `${label}: ${item.title}${item.kind === 'price_drop' && item.price ? `, now ${item.price}` : ''}`;
  const greeting = `Hello ${line(p.name, 'there')},`;
  const intro = `A listing matches your saved search "${searchName}".`;
  const stop = `Stop alerts for "${searchName}"`;
  const text = [
    greeting,
    '',
    intro,
    '',
    ...itemText(item),
    '',
    `${stop}: ${links.page}`,
    '',
    'Gentle Space Realty',
  ].join('\n');
  const html = page(
    label,
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro)}</p><ul>${itemHtml(item)}</ul>` +
      `<p><a href="${escapeHtml(links.page)}">${escapeHtml(stop)}</a></p>`,
  );
  return { subject: subject.slice(0, 200), text, html, headers: unsubscribeHeaders(links) };
}

/** A user's daily or weekly digest: at most DIGEST_MAX_LISTINGS listings, then a count and links. */
export async function renderAlertDigest(context: AlertLinkContext, p: Payload): Promise<AlertEmail> {
  const items = (Array.isArray(p.listings) ? p.listings : [])
    .filter((x): x is Payload => typeof x === 'object' && x !== null)
    .map((x) => listingItem(context, x));
  const total = Math.max(Number(p.total) || 0, items.length);
  const more = total - items.length;
  const searches = searchRefs(p.searches);
  const links = await Promise.all(searches.map((s) => unsubscribeLinks(context, s.id)));
  // One one-click URL for the whole digest (RFC 8058): it turns off every search in it.
  const allLinks = await unsubscribeLinks(
    context,
    searches.map((s) => s.id),
  );
  const period = p.frequency === 'weekly' ? 'weekly' : 'daily';
  const subject = `Your ${period} alert digest: ${total} ${total === 1 ? 'listing' : 'listings'}`;
  const greeting = `Hello ${line(p.name, 'there')},`;
  const intro = `${total} ${total === 1 ? 'listing matches' : 'listings match'} your saved searches.`;
  const moreText = more > 0 ? `And ${more} more: see all results of your saved searches.` : '';
  const text = [
    greeting,
    '',
    intro,
    '',
    ...items.flatMap((item) => [...itemText(item), '']),
    ...(moreText ? [moreText] : []),
    ...searches.map((s) => `All results for "${s.name}": ${searchUrl(context, s.query)}`),
    '',
    ...searches.map((s, i) => `Stop alerts for "${s.name}": ${links[i]?.page ?? ''}`),
    '',
    'Gentle Space Realty',
  ].join('\n');
  const searchList = searches
    .map(
      (s, i) =>
        `<li><a href="${escapeHtml(searchUrl(context, s.query))}">All results for “${escapeHtml(s.name)}”</a> · ` +
        `<a href="${escapeHtml(links[i]?.page ?? '')}">Stop alerts for “${escapeHtml(s.name)}”</a></li>`,
    )
    .join('');
  const html = page(
    `Your ${period} alert digest`,
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro)}</p><ul>${items.map(itemHtml).join('')}</ul>` +
      (moreText ? `<p>${escapeHtml(moreText)}</p>` : '') +
      `<ul>${searchList}</ul>`,
  );
  return { subject: subject.slice(0, 200), text, html, headers: unsubscribeHeaders(allLinks) };
}
