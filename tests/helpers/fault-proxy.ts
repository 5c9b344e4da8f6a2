import { env } from 'cloudflare:test';
import type { FaultState, SwallowOptions } from '../../scripts/local-db/fault-proxy';

/**
 * The fault proxy's control API (scripts/local-db/fault-proxy.ts): what the tests that cut the
 * database mid-request use to arm, inspect and reset it. One proxy serves the whole run.
 */
const controlUrl = (env as unknown as { FAULT_CONTROL_URL: string }).FAULT_CONTROL_URL;

export async function faultControl(path: string, body?: SwallowOptions | Record<string, unknown>): Promise<FaultState> {
  const res = await fetch(`${controlUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`fault proxy ${path}: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as FaultState | { state: FaultState };
  return 'state' in answer ? answer.state : answer;
}

/** Swallows (or drops the connection on) the next statement matching `options.match`. */
export const swallowStatement = (options: SwallowOptions) => faultControl('/swallow', options);
