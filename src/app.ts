import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { classifyDatabaseError } from './db/errors';
import { type AppEnv, getConfig } from './env';
import { parseAllowedOrigins } from './lib/cors';
import { docsPage } from './lib/docs-page';
import { ApiError, serviceUnavailable } from './lib/errors';
import { allowedMethods } from './lib/method-not-allowed';
import { buildProblem, problemResponse } from './lib/problem';
import type { ProblemCode } from './lib/problem-codes';
import { toFieldErrors } from './lib/router';
import { contentSecurityPolicy, DOCS_CSP } from './lib/security-headers';
import { database } from './middleware/database';
import { requestLogger } from './middleware/logger';
import { serverTiming } from './middleware/server-timing';
import { apiRoutes } from './routes';
import { API_TITLE, registerOpenApiDocument } from './routes/shared/document';

/** Stable codes for errors raised by Hono's own middleware and validators. */
const HTTP_EXCEPTION_CODES: Record<number, ProblemCode> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

function problemFrom(c: Context<AppEnv>, error: ApiError): Response {
  return problemResponse(
    buildProblem({
      code: error.code,
      title: error.title,
      origin: new URL(c.req.url).origin,
      detail: error.detail,
      errors: error.errors,
      requestId: c.get('requestId'),
    }),
    { 'X-Request-Id': c.get('requestId') ?? '', ...error.headers },
  );
}

/** Maps anything thrown to an ApiError; unknown errors become a logged 500 with no details. */
function toApiError(c: Context<AppEnv>, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400) {
      return new ApiError({ code: 'MALFORMED_REQUEST', detail: error.message || 'Malformed request.' });
    }
    if (error.status === 413) {
      return new ApiError({ code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' });
    }
    if (error.status < 500) {
      return new ApiError({
        // Hono throws no other 4xx; were one to appear, it is still a client error with a listed code.
        code: HTTP_EXCEPTION_CODES[error.status] ?? 'MALFORMED_REQUEST',
        detail: error.message || undefined,
      });
    }
  }
  const db = classifyDatabaseError(error);
  if (db) {
    switch (db.kind) {
      case 'unavailable':
        return serviceUnavailable();
      case 'conflict_retry':
        return serviceUnavailable('DB_BUSY', 1, 'The database was busy with a conflicting change; retry.');
      case 'unique':
        return new ApiError({ code: 'CONFLICT', detail: 'The resource conflicts with an existing one.' });
      case 'foreign_key':
        return new ApiError({
          code: 'REFERENCE_CONFLICT',
          detail: 'A referenced resource does not exist or is still in use.',
        });
      case 'check':
      case 'invalid_input':
        return new ApiError({
          code: 'VALIDATION_FAILED',
          detail: 'The request did not pass validation.',
          errors: db.constraint ? [{ path: '', message: `violates ${db.constraint}` }] : [],
        });
      default:
        break;
    }
  }
  c.get('logger').error('unhandled error', {
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
    method: c.req.method,
    path: c.req.path,
  });
  return new ApiError({ code: 'INTERNAL_ERROR', detail: 'An unexpected error occurred.' });
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError({
          code: 'VALIDATION_FAILED',
          detail: 'The request did not pass validation.',
          errors: toFieldErrors(result.error.issues),
        });
      }
    },
  });

  app.use('*', requestId({ limitLength: 128 }));

  app.use('*', requestLogger());

  app.use('*', secureHeaders({ crossOriginResourcePolicy: 'cross-origin' }));
  app.use('*', contentSecurityPolicy());

  app.use(
    '*',
    cors({
      origin: (origin, c: Context<AppEnv>) =>
        parseAllowedOrigins(getConfig(c.env).CORS_ORIGINS).has(origin) ? origin : null,
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key'],
      exposeHeaders: ['ETag', 'Retry-After', 'X-Request-Id', 'Location'],
      maxAge: 600,
    }),
  );

  // Image uploads set their own, larger limit on their route.
  app.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || /\/images\/?$/.test(c.req.path)) return next();
    return bodyLimit({
      maxSize: getConfig(c.env).MAX_JSON_BODY_BYTES,
      onError: () => {
        throw new ApiError({ code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' });
      },
    })(c, next);
  });

  app.use('*', serverTiming());
  app.use('*', database());

  app.route('/', apiRoutes);

  registerOpenApiDocument(app, '/openapi.json');
  // The reference's scripts are static assets (public/); the page itself comes from here, with its policy.
  const docsHtml = docsPage({ title: API_TITLE, openapiUrl: '/openapi.json' });
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', DOCS_CSP);
    return c.html(docsHtml);
  });

  app.notFound((c) => {
    const allow = allowedMethods(app.routes, c.req.path).filter((m) => m !== c.req.method);
    if (allow.length > 0 && c.req.method !== 'OPTIONS') {
      return problemFrom(
        c,
        new ApiError({
          code: 'METHOD_NOT_ALLOWED',
          detail: `${c.req.method} is not allowed here.`,
          headers: { Allow: allow.join(', ') },
        }),
      );
    }
    return problemFrom(c, new ApiError({ code: 'NOT_FOUND', detail: 'No such resource.' }));
  });

  app.onError((error, c) => problemFrom(c, toApiError(c, error)));

  return app;
}

export type App = ReturnType<typeof createApp>;

/**
 * Every route with its request and response types: what `hc<AppType>` (client/) is built on. The
 * routers' chain, mounted at '/', rather than createApp()'s type: carrying the schema through the
 * app too cost tsc 30% more types for every file that creates an app, and adds no route.
 */
export type AppType = typeof apiRoutes;
