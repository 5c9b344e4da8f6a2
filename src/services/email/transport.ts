/** One email, already rendered. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra message headers, e.g. List-Unsubscribe (the provider's `headers` field). */
  headers?: Record<string, string>;
  /** Sent to the provider so that a retried send is delivered at most once. */
  idempotencyKey: string;
}

/** Anything that can hand an email to someone; throws EmailSendError when it could not. */
export interface EmailTransport {
  readonly name: string;
  send(message: EmailMessage): Promise<void>;
}

export class EmailSendError extends Error {
  constructor(
    message: string,
    /** False when retrying the same message cannot succeed (the provider refused it as invalid). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EmailSendError';
  }
}
