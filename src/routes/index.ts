import { createRouter } from '../lib/router';
import { adminAuditRouter } from './admin-audit/admin-audit.index';
import { adminImagesRouter } from './admin-images/admin-images.index';
import { adminInquiriesRouter } from './admin-inquiries/admin-inquiries.index';
import { adminListingsRouter } from './admin-listings/admin-listings.index';
import { adminUsersRouter } from './admin-users/admin-users.index';
import { alertsRouter } from './alerts/alerts.index';
import { authRouter } from './auth/auth.index';
import { dashboardRouter } from './dashboard/dashboard.index';
import { eventsRouter } from './events/events.index';
import { healthRouter } from './health/health.index';
import { imagesRouter } from './images/images.index';
import { inquiriesRouter } from './inquiries/inquiries.index';
import { listingsRouter } from './listings/listings.index';
import { meRouter } from './me/me.index';
import { meFavoritesRouter } from './me-favorites/me-favorites.index';
import { meInquiriesRouter } from './me-inquiries/me-inquiries.index';
import { problemsRouter } from './problems/problems.index';
import { savedSearchesRouter } from './saved-searches/saved-searches.index';
import { systemRouter } from './system/system.index';

/**
 * Every router of the API, mounted in one place; each feature adds its line here. One chained
 * expression, so that its type carries every route for the typed client (`client/`).
 */
export const apiRoutes = createRouter()
  .route('/', healthRouter)
  .route('/', inquiriesRouter)
  .route('/', adminInquiriesRouter)
  .route('/', eventsRouter)
  .route('/', dashboardRouter)
  .route('/', systemRouter)
  .route('/', authRouter)
  .route('/', meRouter)
  .route('/', meFavoritesRouter)
  .route('/', meInquiriesRouter)
  .route('/', savedSearchesRouter)
  .route('/', alertsRouter)
  .route('/', adminUsersRouter)
  .route('/', listingsRouter)
  .route('/', imagesRouter)
  .route('/', adminListingsRouter)
  .route('/', adminImagesRouter)
  .route('/', adminAuditRouter)
  .route('/', problemsRouter);
