import { createRoute, type RouteConfig, z } from '@hono/zod-openapi';
import { ALL_PROBLEM_CODES, PROBLEM_CODES, type ProblemCode, problemTypePath } from '../../lib/problem-codes';
import { FIELD_ERROR_TEXT_MAX, FIELD_ERRORS_MAX } from '../../lib/router';

export const ProblemSchema = z
  .object({
    type: z
      .string()
      .max(300)
      .openapi({
        format: 'uri',
        description: 'The page that explains `code`, on this API: `{origin}/problems/{code}`.',
        example: `https://api.example.com${problemTypePath('VALIDATION_FAILED')}`,
      }),
    title: z.string().max(100).openapi({ description: 'The summary of the problem type (one per code).' }),
    status: z.int().min(400).max(599).openapi({ format: 'int32' }),
    detail: z.string().max(1000).optional(),
    code: z.enum(ALL_PROBLEM_CODES).openapi({ description: 'Stable and machine-readable; clients branch on it.' }),
    requestId: z
      .string()
      .max(128)
      // hono/request-id keeps a client's X-Request-Id only when it is made of these; else a UUID.
      .regex(/^[A-Za-z0-9_=-]+$/)
      .optional()
      .openapi({ description: 'Also in the X-Request-Id header.' }),
    errors: z
      .array(
        z.object({
          path: z.string().max(FIELD_ERROR_TEXT_MAX),
          message: z.string().max(FIELD_ERROR_TEXT_MAX),
        }),
      )
      .max(FIELD_ERRORS_MAX)
      .optional()
      .openapi({ description: 'With VALIDATION_FAILED and some other 422s: each field that broke a rule.' }),
  })
  .openapi('Problem');

const retryAfter = {
  'Retry-After': {
    schema: { type: 'integer' as const, format: 'int32', minimum: 1, maximum: 86_400 },
    description: 'Seconds to wait before retrying.',
  },
};

/**
 * Problem JSON responses for these codes, one per status: its description names the codes, its
 * schema narrows `code` to them, and `x-problem-codes` lists them for tools.
 */
export function problemResponses(codes: readonly ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEM_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, object> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = {
      description: list.map((code) => `\`${code}\`: ${PROBLEM_CODES[code].title}.`).join(' '),
      ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
      'x-problem-codes': list,
      content: {
        'application/problem+json': {
          schema: ProblemSchema.extend({ code: z.enum(list as [ProblemCode, ...ProblemCode[]]) }),
        },
      },
    };
  }
  return out;
}

/** The global CORS middleware (src/app.ts) adds it to every answer to an allowed origin. */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': {
    schema: { type: 'string' as const, format: 'uri', maxLength: 300 },
    description: 'The request’s `Origin`, when it is one of CORS_ORIGINS; absent for any other origin.',
  },
};

/** What a signed-in route can answer about its token, its session and its role. */
export const AUTH_PROBLEMS = [
  'UNAUTHORIZED',
  'INVALID_TOKEN',
  'SESSION_ENDED',
  'FORBIDDEN',
  'PASSWORD_CHANGE_REQUIRED',
] as const satisfies readonly ProblemCode[];

/** Routes that answer without the database. */
const NO_DATABASE = new Set(['/health', '/problems', '/problems/{code}']);

/** Codes that follow from how a route is declared, so that no route has to remember them. */
function impliedProblems(config: RouteConfig): ProblemCode[] {
  const codes: ProblemCode[] = ['INTERNAL_ERROR'];
  if (!NO_DATABASE.has(config.path)) codes.push('DB_UNAVAILABLE', 'DB_BUSY');
  if (config.security && config.security.length > 0) codes.push(...AUTH_PROBLEMS);
  const request = config.request;
  if (request?.params || request?.query || request?.headers || request?.body) codes.push('VALIDATION_FAILED');
  if (request?.body?.content && 'application/json' in request.body.content) codes.push('MALFORMED_REQUEST');
  // The JSON body limit stands in front of every method that may carry a body.
  if (config.method !== 'get' && config.method !== 'head') codes.push('PAYLOAD_TOO_LARGE');
  return codes;
}

/**
 * createRoute, plus every problem the route can answer: the codes its declaration implies
 * (security, parameters, a JSON body) and `problems`, what its handler and services add.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, 'path'> & { path: P }>(
  config: R & { operationId: string; description: string },
  problems: readonly ProblemCode[] = [],
) {
  const route = createRoute(config);
  const responses: Record<string, { headers?: object }> = {
    ...route.responses,
    ...problemResponses([...impliedProblems(route), ...problems]),
  };
  for (const [status, response] of Object.entries(responses)) {
    responses[status] = { ...response, headers: { ...CORS_HEADERS, ...response.headers } };
  }
  return { ...route, responses } as typeof route;
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A required JSON request body. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}
