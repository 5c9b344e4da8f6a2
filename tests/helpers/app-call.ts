import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import type { createApp } from '../../src/app';
import type { Bindings } from '../../src/env';
import { type ApiOptions, apiRequest } from './api';

/**
 * Calls an app instance with its own variables (e.g. a short view window) and hands back the
 * response, body already read, and its background work (`waitUntil`) to await when the test
 * needs it done: the edge cache write, the view flush.
 */
export async function callApp(
  app: ReturnType<typeof createApp>,
  path: string,
  options: ApiOptions & { vars?: Record<string, string>; bindings?: Partial<Bindings> } = {},
): Promise<{ response: Response; background: Promise<void> }> {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    apiRequest(path, options),
    { ...(env as unknown as Bindings), ...options.vars, ...options.bindings },
    ctx,
  );
  const noBody = [204, 205, 304].includes(response.status);
  const buffered = new Response(noBody ? null : await response.arrayBuffer(), response);
  return { response: buffered, background: waitOnExecutionContext(ctx) };
}
