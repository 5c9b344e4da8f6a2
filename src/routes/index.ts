import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { adminAuditRouter } from './admin-audit/admin-audit.index';
import { adminImagesRouter } from './admin-images/admin-images.index';
import { adminInquiriesRouter } from './admin-inquiries/admin-inquiries.index';
import { adminListingsRouter } from './admin-listings/admin-listings.index';
import { adminUsersRouter } from './admin-users/admin-users.index';
import { authRouter } from './auth/auth.index';
import { dashboardRouter } from './dashboard/dashboard.index';
import { eventsRouter } from './events/events.index';
import { healthRouter } from './health/health.index';
import { imagesRouter } from './images/images.index';
import { inquiriesRouter } from './inquiries/inquiries.index';
import { listingsRouter } from './listings/listings.index';
import { meRouter } from './me/me.index';
import { systemRouter } from './system/system.index';

/** Every router of the API, mounted in one place. Each feature adds its line here. */
export function registerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.route('/', healthRouter);
  app.route('/', inquiriesRouter);
  app.route('/', adminInquiriesRouter);
  app.route('/', eventsRouter);
  app.route('/', dashboardRouter);
  app.route('/', systemRouter);
  app.route('/', authRouter);
  app.route('/', meRouter);
  app.route('/', adminUsersRouter);
  app.route('/', listingsRouter);
  app.route('/', imagesRouter);
  app.route('/', adminListingsRouter);
  app.route('/', adminImagesRouter);
  app.route('/', adminAuditRouter);
}
