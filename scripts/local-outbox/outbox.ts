import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inboxPage, messagePage, notFoundPage, sendHtml, toMessage } from './pages';

/** One request the sink received on its email endpoint. */
export interface SinkRequest {
  seq: number;
  receivedAt: string;
  path: string;
  headers: { authorization?: string; idempotencyKey?: string; contentType?: string };
  body: {
    from?: string;
    to?: string[];
    subject?: string;
    text?: string;
    html?: string;
    /** The message's extra headers (Resend's `headers` field), e.g. List-Unsubscribe. */
    headers?: Record<string, string>;
  } | null;
  status: number;
  /** True when this request was answered with an error on purpose. */
  failed: boolean;
}

interface Rule {
  /** Applies to requests whose recipient contains this text. */
  match: string;
  failTimes: number;
  alwaysFail: boolean;
  status: number;
}

export interface LocalOutbox {
  url: string;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A real local HTTP server standing in for a Resend-compatible email API: `npm run dev` sends
 * every email here (OUTBOX_PORT, default 8025) and the tests use it as their sink.
 *   POST /emails                      the email endpoint (records every request)
 *   GET  /                            a page listing the messages; GET /messages/<seq> shows one
 *   GET  /api/messages                the accepted messages as JSON, newest first (/api/messages/<seq>: one)
 * and, for the tests' control over loopback:
 *   GET  /__sink/requests?to=<text>   recorded requests, optionally only those to a recipient containing <text>
 *   POST /__sink/reset {match?}       forget requests (and rules), all or those matching
 *   POST /__sink/mode {match, failTimes?, alwaysFail?, status?}
 *                                     fail the next `failTimes` requests to matching recipients (or all of them)
 * Rules are per recipient so that test files running in parallel do not disturb each other.
 */
export async function startLocalOutbox(options: { port?: number; host?: string } = {}): Promise<LocalOutbox> {
  let seq = 0;
  let requests: SinkRequest[] = [];
  let rules: Rule[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const delivered = () => requests.filter((r) => !r.failed).reverse();
      if (req.method === 'GET' && url.pathname === '/') return sendHtml(res, 200, inboxPage(delivered()));
      if (req.method === 'GET' && url.pathname === '/api/messages') {
        return send(res, 200, delivered().map(toMessage));
      }
      const one = /^\/(api\/)?messages\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && one) {
        const found = delivered().find((r) => r.seq === Number(one[2]));
        if (!found) return one[1] ? send(res, 404, { message: 'no such message' }) : sendHtml(res, 404, notFoundPage());
        return one[1] ? send(res, 200, toMessage(found)) : sendHtml(res, 200, messagePage(found));
      }
      if (url.pathname === '/__sink/requests' && req.method === 'GET') {
        const to = url.searchParams.get('to');
        const selected = to ? requests.filter((r) => r.body?.to?.some((addr) => addr.includes(to))) : requests;
        return send(res, 200, { requests: selected });
      }
      if (url.pathname === '/__sink/reset' && req.method === 'POST') {
        const body = (await readJson(req)) as { match?: string } | null;
        const match = body?.match;
        if (match) {
          requests = requests.filter((r) => !r.body?.to?.some((addr) => addr.includes(match)));
          rules = rules.filter((r) => r.match !== match);
        } else {
          requests = [];
          rules = [];
        }
        return send(res, 200, { ok: true });
      }
      if (url.pathname === '/__sink/mode' && req.method === 'POST') {
        const body = (await readJson(req)) as Partial<Rule> | null;
        if (!body?.match) return send(res, 400, { message: 'match is required' });
        rules = rules.filter((r) => r.match !== body.match);
        rules.push({
          match: body.match,
          failTimes: body.failTimes ?? 0,
          alwaysFail: body.alwaysFail ?? false,
          status: body.status ?? 500,
        });
        return send(res, 200, { ok: true });
      }
      if (req.method === 'POST' && !url.pathname.startsWith('/__sink/')) {
        const body = (await readJson(req)) as SinkRequest['body'];
        const rule = rules.find((r) => body?.to?.some((addr) => addr.includes(r.match)));
        const fail = rule !== undefined && (rule.alwaysFail || rule.failTimes > 0);
        if (rule && fail && !rule.alwaysFail) rule.failTimes -= 1;
        const status = fail && rule ? rule.status : 200;
        seq += 1;
        requests.push({
          seq,
          receivedAt: new Date().toISOString(),
          path: url.pathname,
          headers: {
            authorization: req.headers.authorization,
            idempotencyKey: req.headers['idempotency-key'] as string | undefined,
            contentType: req.headers['content-type'],
          },
          body,
          status,
          failed: fail,
        });
        return fail ? send(res, status, { message: 'sink told to fail' }) : send(res, 200, { id: randomUUID() });
      }
      return send(res, 404, { message: 'no such sink route' });
    })().catch((error: unknown) => send(res, 500, { message: String(error) }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
