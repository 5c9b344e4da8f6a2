import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalOutbox, startLocalOutbox } from '../../scripts/local-outbox/outbox';

let outbox: LocalOutbox;
beforeAll(async () => {
  outbox = await startLocalOutbox();
});
afterAll(() => outbox.close());

/** What the Worker's HTTP transport sends (a Resend-compatible request). */
function sendEmail(body: Record<string, unknown>) {
  return fetch(`${outbox.url}/emails`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer local-outbox' },
    body: JSON.stringify(body),
  });
}

const hostile = {
  from: 'Gentle Space Realty <dev@localhost>',
  to: ['visitor@example.com'],
  subject: 'Hello <script>alert(1)</script>',
  text: 'Plain text with <b>tags</b> & "quotes"',
  html: '<p>Hi</p><img src=x onerror="alert(1)"><script>parent.alert(2)</script>',
};

describe('the local outbox (npm run dev)', () => {
  it('keeps the headers a message was sent with (List-Unsubscribe), returns them and shows them escaped', async () => {
    const headers = {
      'List-Unsubscribe': '<https://api.example.com/v1/alerts/unsubscribe?token=abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'X-Hostile': '<script>alert(3)</script>',
    };
    await sendEmail({ ...hostile, subject: 'With headers', headers });
    await sendEmail({ ...hostile, subject: 'Bad headers', headers: ['not', 'an', 'object'] });
    const messages = (await (await fetch(`${outbox.url}/api/messages`)).json()) as Array<{
      id: number;
      subject: string;
      headers: Record<string, string>;
    }>;
    expect(messages[0]).toMatchObject({ subject: 'Bad headers', headers: {} });
    expect(messages[1]).toMatchObject({ subject: 'With headers', headers });
    const page = await (await fetch(`${outbox.url}/messages/${messages[1]?.id}`)).text();
    expect(page).toContain('List-Unsubscribe-Post');
    expect(page).toContain('&lt;https://api.example.com/v1/alerts/unsubscribe?token=abc&gt;');
    expect(page).not.toContain('<script>alert(3)');
  });

  it('POST /emails answers like Resend: 200 with an id', async () => {
    const res = await sendEmail({ ...hostile, subject: 'Welcome' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /api/messages lists what was sent, newest first, as JSON', async () => {
    await sendEmail({ ...hostile, subject: 'First of two' });
    await sendEmail({ ...hostile, subject: 'Second of two', to: ['other@example.com'] });
    const res = await fetch(`${outbox.url}/api/messages`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const messages = (await res.json()) as Array<Record<string, unknown>>;
    // API.md's shape: [{id, to, subject, text, html, createdAt}], newest first.
    expect(messages[0]).toMatchObject({ subject: 'Second of two', to: 'other@example.com', text: hostile.text });
    expect(Object.keys(messages[0] ?? {})).toEqual(
      expect.arrayContaining(['id', 'to', 'subject', 'text', 'html', 'createdAt']),
    );
    expect(Date.parse(String(messages[0]?.createdAt))).toBeGreaterThanOrEqual(
      Date.parse(String(messages[1]?.createdAt)),
    );
    expect(messages[1]?.subject).toBe('First of two');
    const one = await fetch(`${outbox.url}/api/messages/${messages[1]?.id}`);
    expect(((await one.json()) as { text: string }).text).toBe(hostile.text);
    expect((await fetch(`${outbox.url}/api/messages/999999`)).status).toBe(404);
  });

  it('GET / lists messages with their text escaped, under a CSP that runs no script', async () => {
    await sendEmail(hostile);
    const res = await fetch(`${outbox.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).not.toContain('script-src');
    const page = await res.text();
    expect(page).toContain('Hello &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>');
  });

  it('GET /messages/:id shows the HTML in a sandboxed frame and the text beside it, both escaped', async () => {
    await sendEmail({ ...hostile, subject: 'Shown one' });
    const messages = (await (await fetch(`${outbox.url}/api/messages`)).json()) as Array<{
      id: number;
      subject: string;
    }>;
    const id = messages.find((m) => m.subject === 'Shown one')?.id;
    const page = await (await fetch(`${outbox.url}/messages/${id}`)).text();
    const frame = /<iframe sandbox="" [^>]*srcdoc="([^"]*)"><\/iframe>/.exec(page);
    expect(frame, page).not.toBeNull();
    // The message's markup only exists inside the attribute, escaped; the page itself has none of it.
    expect(frame?.[1]).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(page.replace(frame?.[0] ?? '', '')).not.toMatch(/onerror|<script|<img/);
    expect(page).toContain('<pre>Plain text with &lt;b&gt;tags&lt;/b&gt; &amp; &quot;quotes&quot;</pre>');
    expect((await fetch(`${outbox.url}/messages/999999`)).status).toBe(404);
  });

  it('a request the tests told it to fail is answered with that status and not listed as delivered', async () => {
    await fetch(`${outbox.url}/__sink/mode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ match: 'bounce@example.com', failTimes: 1, status: 503 }),
    });
    const res = await sendEmail({ ...hostile, to: ['bounce@example.com'], subject: 'Bounced' });
    expect(res.status).toBe(503);
    const messages = (await (await fetch(`${outbox.url}/api/messages`)).json()) as Array<{ subject: string }>;
    expect(messages.map((m) => m.subject)).not.toContain('Bounced');
  });

  it('refuses to start on a port that is taken, instead of hanging', async () => {
    const port = Number(new URL(outbox.url).port);
    await expect(startLocalOutbox({ port })).rejects.toThrow(/EADDRINUSE/);
  });
});
