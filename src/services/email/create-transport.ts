import type { Config } from '../../env';
import type { Logger } from '../../lib/logger';
import { createHttpTransport } from './http-transport';
import { createLogTransport } from './log-transport';
import type { EmailTransport } from './transport';

type EmailConfig = Pick<
  Config,
  'EMAIL_TRANSPORT' | 'EMAIL_API_URL' | 'EMAIL_API_KEY' | 'EMAIL_FROM' | 'EMAIL_TIMEOUT_MS'
>;

/** The transport the configuration asks for; the HTTP one refuses to start without a key. */
export function createEmailTransport(config: EmailConfig, logger: Logger): EmailTransport {
  if (config.EMAIL_TRANSPORT === 'log') return createLogTransport(logger);
  if (!config.EMAIL_API_KEY) {
    throw new Error('EMAIL_API_KEY is not set: set it, or EMAIL_TRANSPORT=log for local development');
  }
  return createHttpTransport({
    url: config.EMAIL_API_URL,
    apiKey: config.EMAIL_API_KEY,
    from: config.EMAIL_FROM,
    timeoutMs: config.EMAIL_TIMEOUT_MS,
  });
}
