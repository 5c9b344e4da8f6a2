import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { unprocessable } from './errors';

interface IssueLike {
  path: PropertyKey[];
  message: string;
}

/**
 * A problem's `errors` are bounded like everything else in the document: a hostile body can break
 * thousands of rules, and a message may quote a key of any length. The first ones say enough.
 */
export const FIELD_ERRORS_MAX = 100;
export const FIELD_ERROR_TEXT_MAX = 500;

const clip = (text: string) =>
  text.length > FIELD_ERROR_TEXT_MAX ? `${text.slice(0, FIELD_ERROR_TEXT_MAX - 1)}…` : text;

export function toFieldErrors(issues: readonly IssueLike[]) {
  return issues.slice(0, FIELD_ERRORS_MAX).map((issue) => ({
    path: clip(issue.path.map(String).join('.')),
    message: clip(issue.message),
  }));
}

const NUL_MESSAGE = 'must not contain NUL characters';

/**
 * Every string (and object key) holding U+0000 in validated input. PostgreSQL refuses NUL in
 * text and jsonb, so without this a body, query or header that passed its schema failed in the
 * database instead, as a 422 that named no field.
 */
export function nulIssues(value: unknown, path: PropertyKey[] = []): IssueLike[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ path, message: NUL_MESSAGE }] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulIssues(item, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...(key.includes('\u0000') ? [{ path: [...path, key], message: `${NUL_MESSAGE} in its name` }] : []),
    ...nulIssues(item, [...path, key]),
  ]);
}

/**
 * Every router shares one validation hook: a zod failure is a 422 problem with `errors`, and so
 * is a NUL character anywhere in what a schema accepted (body, query, path, headers).
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw unprocessable(toFieldErrors(result.error.issues));
      const issues = nulIssues(result.data);
      if (issues.length > 0) throw unprocessable(toFieldErrors(issues));
    },
  });
}
