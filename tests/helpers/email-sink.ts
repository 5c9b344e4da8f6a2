import { env } from 'cloudflare:test';
import type { SinkRequest } from '../../scripts/local-outbox/outbox';

const sinkUrl = () => (env as unknown as { EMAIL_SINK_URL: string }).EMAIL_SINK_URL;

/** Requests the email sink received for recipients containing `to`. */
export async function sinkRequests(to: string): Promise<SinkRequest[]> {
  const res = await fetch(`${sinkUrl()}/__sink/requests?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { requests: SinkRequest[] }).requests;
}

/** Makes the sink fail requests to recipients containing `match`. */
export async function sinkMode(match: string, mode: { failTimes?: number; alwaysFail?: boolean; status?: number }) {
  const res = await fetch(`${sinkUrl()}/__sink/mode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ match, ...mode }),
  });
  if (!res.ok) throw new Error(`sink mode: ${res.status}`);
}

/** Polls until `check` returns a value (not undefined/false) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
