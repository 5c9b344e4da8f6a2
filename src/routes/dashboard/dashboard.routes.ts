import { z } from '@hono/zod-openapi';
import { LISTING_STATUSES } from '../../db/enums';
import { UuidSchema } from '../../lib/uuid';
import { requireRole } from '../../middleware/auth';
import { TOP_LISTINGS } from '../../services/analytics/dashboard';
import { Slug, Title } from '../shared/listing-fields';
import { defineRoute, jsonContent } from '../shared/openapi';
import { CountSchema } from '../shared/schemas';

/** dashboard_snapshots_days: the longest period the dashboard counts. */
const MAX_DAYS = 365;

const StatusCounts = z.record(z.string(), CountSchema);

export const DashboardQuerySchema = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_DAYS)
    .default(30)
    .openapi({ format: 'int32', description: 'UTC days, today included.' }),
  until: z.iso
    .date()
    .max(10)
    .optional()
    .openapi({ description: 'Last day of the period (UTC date, default today), to look at a past period.' }),
});

export const DashboardSchema = z
  .object({
    period: z
      .object({
        days: z.int().min(1).max(MAX_DAYS).openapi({ format: 'int32' }),
        from: z.iso.date().max(10),
        to: z.iso.date().max(10),
      })
      .openapi({
        description: 'First and last UTC day of the period, both included.',
      }),
    listingsByStatus: StatusCounts.openapi({ description: 'Current listings by status (not limited to the period).' }),
    inquiriesByStatus: StatusCounts.openapi({ description: 'Inquiries created in the period, by current status.' }),
    inquiriesPerDay: z.array(z.object({ date: z.iso.date().max(10), count: CountSchema })).max(MAX_DAYS),
    topViewedListings: z
      .array(
        z.object({
          propertyId: UuidSchema,
          slug: Slug,
          title: Title,
          status: z.enum(LISTING_STATUSES),
          views: CountSchema,
          inquiries: CountSchema,
        }),
      )
      .max(TOP_LISTINGS),
    viewsToInquiries: z.object({
      views: CountSchema,
      inquiries: CountSchema,
      rate: z
        .number()
        .nullable()
        .openapi({ description: 'Inquiries about listings per listing view (listings that still exist).' }),
    }),
    firstResponse: z.object({
      medianSeconds: z
        .number()
        .nullable()
        .openapi({ description: 'Median time from inquiry to its first move out of new.' }),
      responded: CountSchema,
    }),
    generatedAt: z.iso.datetime().max(40).openapi({
      description:
        'When these figures were counted: at most DASHBOARD_MAX_AGE_SECONDS ago (60 by default); send Cache-Control: no-cache to have them counted now.',
    }),
  })
  .openapi('Dashboard');

export const dashboardRoute = defineRoute(
  {
    operationId: 'getDashboard',
    description:
      'Figures for the `days` UTC days up to `until`; counted at most DASHBOARD_MAX_AGE_SECONDS ago unless the request sends `Cache-Control: no-cache`.',
    method: 'get',
    path: '/v1/admin/dashboard',
    tags: ['Analytics'],
    summary: 'Listings, inquiries, views and response times for the last N days',
    security: [{ adminBearerAuth: [] }],
    middleware: [requireRole('admin')] as const,
    request: { query: DashboardQuerySchema },
    responses: {
      200: jsonContent(DashboardSchema, 'The dashboard figures'),
    },
  },
  [],
);
