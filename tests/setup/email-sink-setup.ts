import type { TestProject } from 'vitest/node';
import { startLocalOutbox } from '../../scripts/local-outbox/outbox';

declare module 'vitest' {
  export interface ProvidedContext {
    emailSinkUrl: string;
  }
}

/** The local outbox of `npm run dev`, as the worker tests' email sink: its URL reaches the Worker as EMAIL_API_URL. */
export default async function setup(project: TestProject) {
  const sink = await startLocalOutbox();
  project.provide('emailSinkUrl', sink.url);
  return () => sink.close();
}
