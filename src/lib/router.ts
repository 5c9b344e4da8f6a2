import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { unprocessable } from './errors';

interface IssueLike {
  path: PropertyKey[];
  message: string;
}

export function toFieldErrors(issues: readonly IssueLike[]) {
  return issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** Every router shares one validation hook: a zod failure is a 422 problem with `errors`. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw unprocessable(toFieldErrors(result.error.issues));
    },
  });
}
