import type { Database } from '../../db/client';
import type { Config } from '../../env';
import type { Clock } from '../../lib/clock';
import type { UserRecord } from '../users/user-record';

/** What every auth service needs; routes build it from the request. */
export interface AuthDeps {
  db: Database;
  config: Config;
  clock: Clock;
}

/** Where a request came from; `ip` is already truncated (lib/ip.ts). */
export interface ClientInfo {
  ip: string | null;
  /** The lockout's idea of this client (lib/ip.ts rateLimitKey); never stored in clear. */
  throttleClient: string;
  userAgent: string | null;
  deviceName?: string | null;
  /** For the audit entries of security events. */
  requestId?: string | null;
}

export interface IssuedTokens {
  user: UserRecord;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}
