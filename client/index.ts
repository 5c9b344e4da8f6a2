import { type ClientResponse, hc, type InferRequestType, type InferResponseType } from 'hono/client';
import type { AppType } from '../src/app';

export type { AppType, ClientResponse, InferRequestType, InferResponseType };

export interface ApiClientOptions {
  /** Sent as `Authorization: Bearer …`; a function is asked again on every request (after a refresh). */
  accessToken?: string | (() => string | undefined | Promise<string | undefined>);
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Another fetch (a test's `SELF.fetch`, a retrying wrapper); the global one by default. */
  fetch?: typeof fetch;
  /** Passed to every request's fetch, e.g. `{ signal }` or `{ redirect: 'manual' }`. */
  init?: RequestInit;
}

export type ApiClient = ReturnType<typeof hc<AppType>>;

/**
 * A typed client of the API: every path, method, parameter and documented response comes from
 * the Worker's own route definitions, so a change to the contract fails the caller's typecheck.
 *
 *   const api = createApiClient('https://api.example.com');
 *   const res = await api.v1.properties.$get({ query: { city: 'Porto' } });
 *   if (res.ok) (await res.json()).data;
 */
export function createApiClient(baseUrl: string, options: ApiClientOptions = {}): ApiClient {
  const { accessToken, headers, init } = options;
  return hc<AppType>(baseUrl, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(init ? { init } : {}),
    headers: async () => {
      const token = typeof accessToken === 'function' ? await accessToken() : accessToken;
      return { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    },
  });
}
