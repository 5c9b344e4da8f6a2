import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { tooManyRequests } from '../lib/errors';
import { clientIp } from '../lib/ip';

type LimiterBinding = 'AUTH_RATE_LIMITER' | 'INQUIRY_RATE_LIMITER' | 'EVENTS_RATE_LIMITER';

/** The periods configured for the bindings in wrangler.toml, for Retry-After. */
const PERIOD_SECONDS: Record<LimiterBinding, number> = {
  AUTH_RATE_LIMITER: 60,
  INQUIRY_RATE_LIMITER: 60,
  EVENTS_RATE_LIMITER: 60,
};

/** Per-client-IP budget through a Workers rate-limiting binding; 429 with Retry-After past it. */
export function rateLimit(binding: LimiterBinding, scope: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const limiter = c.env[binding];
    if (limiter) {
      const key = `${scope}:${clientIp(c) ?? 'unknown'}`;
      const { success } = await limiter.limit({ key });
      if (!success) throw tooManyRequests(PERIOD_SECONDS[binding]);
    }
    await next();
  });
}
