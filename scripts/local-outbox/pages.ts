import type { ServerResponse } from 'node:http';
import type { SinkRequest } from './outbox';

/**
 * A message as GET /api/messages lists it: API.md's `{id, to, subject, text, html, createdAt}`,
 * plus the sender and the extra headers.
 */
export interface OutboxMessage {
  id: number;
  /** The recipients as one line (`a@x, b@y`): the API sends each email to one address. */
  to: string;
  createdAt: string;
  from: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  /** Extra message headers the sender set (List-Unsubscribe, ...); empty when none. */
  headers: Record<string, string>;
}

/** Only string values of a plain object: what a client sent as `headers` is not trusted. */
function headersOf(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

export function toMessage(request: SinkRequest): OutboxMessage {
  const body = request.body ?? {};
  return {
    id: request.seq,
    to: (body.to ?? []).join(', '),
    createdAt: request.receivedAt,
    from: body.from ?? null,
    subject: body.subject ?? null,
    text: body.text ?? null,
    html: body.html ?? null,
    headers: headersOf(body.headers),
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);

// The pages run no script and load nothing; a message's own HTML is shown in a sandboxed
// frame (no scripts, no forms, an opaque origin), so an email cannot act on this page.
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; base-uri 'none'";

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.4rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:1rem}iframe{width:100%;height:32rem;border:1px solid #ccc}
pre{white-space:pre-wrap;border:1px solid #ccc;padding:.6rem;margin:0;height:31rem;overflow:auto}.muted{color:#777}
</style></head><body>${body}</body></html>`;
}

export function inboxPage(messages: SinkRequest[]): string {
  const rows = messages
    .map(toMessage)
    .map(
      (m) => `<tr><td><a href="/messages/${m.id}">${escapeHtml(m.subject ?? '(no subject)')}</a></td>
<td>${escapeHtml(m.to)}</td><td class="muted">${escapeHtml(m.createdAt)}</td></tr>`,
    )
    .join('\n');
  const table = rows
    ? `<table><thead><tr><th>Subject</th><th>To</th><th>Received</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">No email yet. Everything the API sends while <code>npm run dev</code> runs lands here.</p>';
  return layout(
    'Local outbox',
    `<h1>Local outbox</h1><p class="muted">${messages.length} message(s), newest first · <a href="/api/messages">JSON</a></p>${table}`,
  );
}

export function messagePage(request: SinkRequest): string {
  const m = toMessage(request);
  const html = m.html
    ? `<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part" srcdoc="${escapeHtml(m.html)}"></iframe>`
    : '<p class="muted">No HTML part.</p>';
  const text = m.text ? `<pre>${escapeHtml(m.text)}</pre>` : '<p class="muted">No text part.</p>';
  const headerRows = Object.entries(m.headers)
    .map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('');
  const headers = headerRows ? `<h2>Headers</h2><table>${headerRows}</table>` : '';
  return layout(
    m.subject ?? 'Message',
    `<p><a href="/">← All messages</a></p><h1>${escapeHtml(m.subject ?? '(no subject)')}</h1>
<p>From ${escapeHtml(m.from ?? '')} to ${escapeHtml(m.to)} · <span class="muted">${escapeHtml(m.createdAt)}</span></p>${headers}
<div class="panes"><section><h2>HTML</h2>${html}</section><section><h2>Text</h2>${text}</section></div>`,
  );
}

export function notFoundPage(): string {
  return layout('Not found', '<p>No such message. <a href="/">All messages</a></p>');
}
