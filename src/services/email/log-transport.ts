import type { Logger } from '../../lib/logger';
import type { EmailMessage, EmailTransport } from './transport';

/** For `npm run dev`: the email is written to the log instead of being sent. */
export function createLogTransport(logger: Logger): EmailTransport {
  return {
    name: 'log',
    async send(message: EmailMessage) {
      logger.info('email (log transport, not sent)', {
        to: message.to,
        subject: message.subject,
        idempotencyKey: message.idempotencyKey,
        text: message.text,
      });
    },
  };
}
