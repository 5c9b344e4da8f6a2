import { type EmailMessage, EmailSendError, type EmailTransport } from './transport';

export interface HttpTransportOptions {
  url: string;
  apiKey: string;
  from: string;
  timeoutMs: number;
}

// 400 and 422 mean the message itself is invalid: sending it again cannot work.
const PERMANENT_STATUSES = new Set([400, 422]);

/** A Resend-compatible transactional email API: POST JSON with a bearer key and an Idempotency-Key. */
export function createHttpTransport(options: HttpTransportOptions): EmailTransport {
  return {
    name: 'http',
    async send(message: EmailMessage) {
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${options.apiKey}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': message.idempotencyKey,
          },
          body: JSON.stringify({
            from: options.from,
            to: [message.to],
            subject: message.subject,
            text: message.text,
            html: message.html,
            ...(message.headers && Object.keys(message.headers).length > 0 ? { headers: message.headers } : {}),
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new EmailSendError(`email API unreachable (${reason})`, true);
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      // The provider's error text helps the operator; it never contains our key.
      const detail = (await response.text().catch(() => '')).slice(0, 300);
      throw new EmailSendError(
        `email API answered ${response.status}${detail ? `: ${detail}` : ''}`,
        !PERMANENT_STATUSES.has(response.status),
      );
    },
  };
}
