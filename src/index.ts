import { createApp } from './app';
import type { Bindings } from './env';
import { runScheduled } from './jobs/dispatcher';

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, env, ctx, controller.scheduledTime));
  },
} satisfies ExportedHandler<Bindings>;
