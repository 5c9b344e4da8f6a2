import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { healthRouter } from './health/health.index';

/** Every router of the API, mounted in one place. Each feature adds its line here. */
export function registerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.route('/', healthRouter);
}
