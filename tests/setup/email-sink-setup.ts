import type { TestProject } from 'vitest/node';
import { startEmailSink } from './email-sink';

declare module 'vitest' {
  export interface ProvidedContext {
    emailSinkUrl: string;
  }
}

/** One email sink for the worker tests; its URL reaches the Worker as EMAIL_API_URL. */
export default async function setup(project: TestProject) {
  const sink = await startEmailSink();
  project.provide('emailSinkUrl', sink.url);
  return () => sink.close();
}
