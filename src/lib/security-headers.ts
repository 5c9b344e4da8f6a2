import type { MiddlewareHandler } from 'hono';
import { sha256, toBase64 } from './encoding';

/**
 * The policy of every response that sets none of its own (JSON, problem JSON, 304s): nothing
 * may load or run, nothing may frame it. Should a browser ever render one as a page, it is inert.
 */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** Where the /docs page loads the API reference script from (until it is bundled and served here). */
export const DOCS_SCRIPT_ORIGIN = 'https://cdn.jsdelivr.net';

/** Sets DEFAULT_CSP on every response whose route did not choose a policy (images and /docs do). */
export function contentSecurityPolicy(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.headers.has('Content-Security-Policy')) return;
    try {
      c.res.headers.set('Content-Security-Policy', DEFAULT_CSP);
    } catch {
      // Headers of a response passed through from elsewhere are immutable: copy it.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set('Content-Security-Policy', DEFAULT_CSP);
    }
  };
}

const sha256Source = async (script: string) => `'sha256-${toBase64(await sha256(script))}'`;

/**
 * The policy of the /docs page: its own inline scripts by hash (never 'unsafe-inline' for
 * script), the reference script's origin, requests to this origin only (the OpenAPI document and
 * "try it"). The reference injects its styles and fonts at run time, hence inline styles.
 */
export async function docsCsp(html: string): Promise<string> {
  const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1] ?? '');
  const hashes = await Promise.all(inline.map(sha256Source));
  return [
    "default-src 'none'",
    `script-src ${[DOCS_SCRIPT_ORIGIN, ...hashes].join(' ')}`,
    `style-src 'self' 'unsafe-inline' ${DOCS_SCRIPT_ORIGIN}`,
    `font-src 'self' data: ${DOCS_SCRIPT_ORIGIN} https://fonts.scalar.com`,
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
