import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { tooManyRequests } from '../lib/errors';
import { clientIp, rateLimitKey } from '../lib/ip';

type LimiterBinding = 'AUTH_RATE_LIMITER' | 'INQUIRY_RATE_LIMITER' | 'EVENTS_RATE_LIMITER';

/** The periods configured for the bindings in wrangler.toml, for Retry-After. */
const PERIOD_SECONDS: Record<LimiterBinding, number> = {
  AUTH_RATE_LIMITER: 60,
  INQUIRY_RATE_LIMITER: 60,
  EVENTS_RATE_LIMITER: 60,
};

/**
 * Per-client budget (an IPv4 address or an IPv6 /64, see rateLimitKey) through a Workers
 * rate-limiting binding; 429 with Retry-After past it.
 */
export function rateLimit(binding: LimiterBinding, scope: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await spendRateLimit(c, binding, scope);
    await next();
  });
}

/** Spends one unit of the client's budget; throws the 429 past it. For a limit on some outcomes only. */
export async function spendRateLimit(
  c: Pick<Context<AppEnv>, 'env' | 'req'>,
  binding: LimiterBinding,
  scope: string,
): Promise<void> {
  const limiter = c.env[binding];
  if (!limiter) return;
  const key = `${scope}:${rateLimitKey(clientIp(c))}`;
  const { success } = await limiter.limit({ key });
  if (!success) throw tooManyRequests(PERIOD_SECONDS[binding]);
}
