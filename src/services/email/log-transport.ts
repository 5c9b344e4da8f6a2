import type { Logger } from '../../lib/logger';
import type { EmailMessage, EmailTransport } from './transport';

/** A link's `token` query parameter (password reset, verification, unsubscribe) as the log shows it. */
export const REDACTED_TOKEN = 'token=[redacted]';

/** The text with every `token=` query value replaced: a log must never hold a usable link. */
export function redactTokens(text: string): string {
  return text.replace(/([?&]token=)[^&\s"'<>]*/g, (_, prefix: string) => `${prefix.slice(0, 1)}${REDACTED_TOKEN}`);
}

/** For `npm run dev`: the email is written to the log instead of being sent (its links' tokens redacted). */
export function createLogTransport(logger: Logger): EmailTransport {
  return {
    name: 'log',
    async send(message: EmailMessage) {
      logger.info('email (log transport, not sent)', {
        to: message.to,
        subject: message.subject,
        idempotencyKey: message.idempotencyKey,
        text: redactTokens(message.text),
      });
    },
  };
}
