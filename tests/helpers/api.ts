import { SELF } from 'cloudflare:test';

export const BASE = 'http://api.test';

export interface ApiOptions {
  method?: string;
  token?: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  ip?: string;
}

/** The request a client would send: bearer token, client IP, JSON body as given. */
export function apiRequest(path: string, options: ApiOptions = {}): Request {
  const headers = new Headers(options.headers);
  if (options.token) headers.set('Authorization', `Bearer ${options.token}`);
  if (options.ip) headers.set('CF-Connecting-IP', options.ip);
  let body = options.body;
  if (options.json !== undefined) {
    headers.set('Content-Type', 'application/json');
    body = JSON.stringify(options.json);
  }
  return new Request(`${BASE}${path}`, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
}

/** Calls the Worker under test (workerd, real bindings) the way a client would. */
export async function api(path: string, options: ApiOptions = {}): Promise<Response> {
  return SELF.fetch(apiRequest(path, options));
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Asserts the RFC 9457 shape every error shares and returns the body. */
export async function expectProblem(response: Response, status: number, code?: string) {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`expected ${status}${code ? ` ${code}` : ''}, got ${response.status}: ${text}`);
  }
  if (!response.headers.get('Content-Type')?.startsWith('application/problem+json')) {
    throw new Error(`expected problem+json, got ${response.headers.get('Content-Type')}`);
  }
  const problem = JSON.parse(text) as {
    type: string;
    title: string;
    status: number;
    code: string;
    detail?: string;
    requestId?: string;
    errors?: Array<{ path: string; message: string }>;
  };
  if (problem.status !== status) throw new Error(`problem.status ${problem.status} != ${status}`);
  if (code && problem.code !== code) throw new Error(`expected code ${code}, got ${problem.code}: ${text}`);
  if (!problem.requestId || problem.requestId !== response.headers.get('X-Request-Id')) {
    throw new Error('problem.requestId must equal the X-Request-Id header');
  }
  if (/\bat\s+\S+\s+\(|node_modules|\.ts:\d+|SELECT |INSERT |UPDATE /i.test(text)) {
    throw new Error(`problem leaks internals: ${text}`);
  }
  return problem;
}
