import type { MiddlewareHandler } from 'hono';

/**
 * The policy of every response that sets none of its own (JSON, problem JSON, 304s): nothing
 * may load or run, nothing may frame it. Should a browser ever render one as a page, it is inert.
 */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

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

/**
 * The policy of the /docs page: everything from this origin only. Its scripts are files here
 * (static assets), never inline, so script-src needs no hash; fetches ("try it", the OpenAPI
 * document) go to this origin. The reference injects its styles at run time, hence inline styles.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
