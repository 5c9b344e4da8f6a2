import { renderAlertDigest, renderListingAlert } from '../alerts/alert-email';
import { type AlertLinkContext, tokenPageUrl } from '../alerts/links';
import { escapeHtml } from '../email/escape-html';
import { singleLine } from '../email/single-line';
import type { NotificationKind } from './enqueue';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** Extra message headers (List-Unsubscribe on alert emails), computed here from the payload. */
  headers?: Record<string, string>;
}

/** What templates build links from at render time: the queue holds no URL and no token. */
export type RenderContext = AlertLinkContext;

type Payload = Record<string, unknown>;

/** A payload field as a single line of text (subjects, names). */
const line = (payload: Payload, key: string, fallback = ''): string => singleLine(payload[key], fallback);

function block(payload: Payload, key: string): string {
  const value = payload[key];
  return value === undefined || value === null ? '' : String(value).slice(0, 5000);
}

/** A call to action: the page of the visitors' website it opens (APP_URL), with what it carries. */
interface Link {
  label: string;
  url: string;
}

/** Every value goes through escapeHtml here, so no template can forget it. */
function html(title: string, rows: Array<[label: string, value: string]>, body?: string, link?: Link): string {
  const list = rows
    .filter(([, value]) => value !== '')
    .map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const paragraph = body ? `<p>${escapeHtml(body).replace(/\r?\n/g, '<br>')}</p>` : '';
  const action = link ? `<p><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a></p>` : '';
  return `<!doctype html><html><body><h1>${escapeHtml(title)}</h1>${list ? `<table>${list}</table>` : ''}${paragraph}${action}<p>Gentle Space Realty</p></body></html>`;
}

function text(title: string, rows: Array<[label: string, value: string]>, body?: string, link?: Link): string {
  const list = rows.filter(([, value]) => value !== '').map(([label, value]) => `${label}: ${value}`);
  const action = link ? ['', `${link.label}: ${link.url}`] : [];
  return [title, '', ...list, ...(body ? ['', body] : []), ...action, '', 'Gentle Space Realty'].join('\n');
}

function email(
  subject: string,
  title: string,
  rows: Array<[string, string]>,
  body?: string,
  link?: Link,
): RenderedEmail {
  return {
    subject: subject.slice(0, 200),
    text: text(title, rows, body, link),
    html: html(title, rows, body, link),
  };
}

/** The website's page for the payload's token (removed from the row once the email is sent). */
const tokenLink = (payload: Payload, context: RenderContext, page: string) =>
  tokenPageUrl(context, page, line(payload, 'token'));

function inquiryRows(payload: Payload): Array<[string, string]> {
  return [
    ['Listing', line(payload, 'propertyTitle', 'General inquiry')],
    ['From', line(payload, 'name')],
    ['Email', line(payload, 'email')],
    ['Phone', line(payload, 'phone')],
    ['Inquiry', line(payload, 'inquiryId')],
  ];
}

const RENDERERS: Record<
  NotificationKind,
  (payload: Payload, context: RenderContext) => RenderedEmail | Promise<RenderedEmail>
> = {
  account_locked: (p) =>
    email(
      'Your account was locked after failed sign-ins',
      `Hello ${line(p, 'name', 'there')},`,
      [['Locked at', line(p, 'lockedAt')]],
      'Many sign-in attempts with a wrong password were made on your account, so it is locked for devices and networks you have not signed in from lately. You can still sign in where you usually do, which lifts the lock; if you are signed in somewhere, change your password there. Otherwise ask an administrator to unlock it.',
    ),
  inquiry_received: (p) =>
    email(
      `New inquiry from ${line(p, 'name', 'a visitor')}`,
      'A new inquiry arrived',
      inquiryRows(p),
      block(p, 'message'),
    ),
  inquiry_acknowledgement: (p) =>
    email(
      'We received your inquiry',
      // No name: the address is unverified, so nothing the sender typed goes into this email.
      'Hello,',
      [['Listing', line(p, 'propertyTitle', 'General inquiry')]],
      'Thank you for your message. An agent will get back to you shortly.',
    ),
  inquiry_assigned: (p) =>
    email(
      `Inquiry assigned to you: ${line(p, 'name', 'a visitor')}`,
      `${line(p, 'assignedByName', 'An administrator')} assigned an inquiry to you`,
      inquiryRows(p),
      block(p, 'message'),
    ),
  ops_alert: (p) =>
    email(
      `${p.reminder === true ? '[Alert, still open]' : '[Alert]'} ${line(p, 'summary')}`,
      line(p, 'summary'),
      [
        ['Problem', line(p, 'key')],
        ['Alert', line(p, 'alertId')],
      ],
      'Open alerts: GET /v1/admin/system/alerts?status=open. This email is repeated once a day while the problem lasts, and a "resolved" email follows when it clears.',
    ),
  // No name in these two: whoever typed it may not own the address the email goes to.
  password_reset: (p, context) =>
    email(
      'Reset your password',
      'Hello,',
      [],
      `Someone (hopefully you) asked to reset the password of the Gentle Space Realty account with this address. The link works once, for ${line(p, 'expiresInMinutes', '30')} minutes, and signs out every device. If you did not ask, ignore this email: your password stays as it is.`,
      { label: 'Choose a new password', url: tokenLink(p, context, '/reset-password') },
    ),
  email_verification: (p, context) =>
    email(
      'Confirm your email address',
      'Hello,',
      [],
      `Please confirm that this address belongs to your Gentle Space Realty account. The link works once, for ${line(p, 'expiresInHours', '24')} hours. If you did not create an account, ignore this email.`,
      { label: 'Confirm my address', url: tokenLink(p, context, '/verify-email') },
    ),
  ops_alert_resolved: (p) =>
    email(
      `[Resolved] ${line(p, 'summary')}`,
      `Resolved: ${line(p, 'summary')}`,
      [
        ['Problem', line(p, 'key')],
        ['Alert', line(p, 'alertId')],
      ],
      'The problem is no longer seen.',
    ),
  listing_alert: (p, context) => renderListingAlert(context, p),
  alert_digest: (p, context) => renderAlertDigest(context, p),
};

export function isNotificationKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(RENDERERS, kind);
}

/** Plain text and HTML for one queued notification; null for a kind this code does not know. */
export async function renderNotification(
  kind: string,
  payload: Payload,
  context: RenderContext,
): Promise<RenderedEmail | null> {
  return isNotificationKind(kind) ? await RENDERERS[kind](payload, context) : null;
}
