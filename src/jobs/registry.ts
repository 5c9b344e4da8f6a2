import { maintenanceSettings } from '../env';
import { alertDigestsJob } from './alert-digests';
import { runCheckAlerts } from './check-alerts';
import { runDrainNotifications } from './drain-notifications';
import { runMatchListingAlerts } from './match-listing-alerts';
import { runRefreshDashboards } from './refresh-dashboards';
import { runReindex } from './reindex';
import { runRetention } from './retention';
import type { Job } from './types';
import { runVacuum } from './vacuum';

export const JOBS: Record<string, Job> = {
  'match-listing-alerts': {
    name: 'match-listing-alerts',
    description: 'Match new listing events against saved searches and queue the instant alerts.',
    leaseSeconds: 55,
    run: runMatchListingAlerts,
  },
  'daily-alert-digests': {
    name: 'daily-alert-digests',
    description: "Queue one digest email per user of the day's matches of their daily saved searches.",
    leaseSeconds: 15 * 60,
    run: alertDigestsJob('daily'),
  },
  'weekly-alert-digests': {
    name: 'weekly-alert-digests',
    description: "Queue one digest email per user of the week's matches of their weekly saved searches.",
    leaseSeconds: 15 * 60,
    run: alertDigestsJob('weekly'),
  },
  'drain-notifications': {
    name: 'drain-notifications',
    description: 'Send due rows of the notification queue.',
    leaseSeconds: 55,
    run: runDrainNotifications,
  },
  'refresh-dashboards': {
    name: 'refresh-dashboards',
    description: 'Recount the dashboard windows admins looked at in the last 15 minutes.',
    leaseSeconds: 55,
    run: runRefreshDashboards,
  },
  'check-alerts': {
    name: 'check-alerts',
    description:
      'Raise, remind and resolve alerts (failed or abandoned jobs, dead emails, stalled dashboards, old backups).',
    leaseSeconds: 55,
    everyMinutes: (env) => maintenanceSettings(env).ALERT_CHECK_MINUTES,
    run: runCheckAlerts,
  },
  retention: {
    name: 'retention',
    description:
      'Delete expired analytics, tokens and notifications; sweep the next stretch of R2 for orphaned photos; ANALYZE every table; sample table sizes.',
    leaseSeconds: 15 * 60,
    run: runRetention,
  },
  vacuum: {
    name: 'vacuum',
    description: 'VACUUM (ANALYZE) the busy tables over DATABASE_MAINTENANCE_URL.',
    leaseSeconds: 30 * 60,
    run: runVacuum,
  },
  reindex: {
    name: 'reindex',
    description: 'REINDEX CONCURRENTLY the indexes that bloat most, over DATABASE_MAINTENANCE_URL.',
    leaseSeconds: 60 * 60,
    run: runReindex,
  },
};

/** Cron expressions of wrangler.toml and the jobs each one runs, in order. */
export const SCHEDULE: Record<string, string[]> = {
  '* * * * *': ['match-listing-alerts', 'drain-notifications', 'refresh-dashboards', 'check-alerts'],
  '0 3 * * *': ['retention'],
  '0 7 * * *': ['daily-alert-digests'],
  '0 7 * * 1': ['weekly-alert-digests'],
  '0 4 * * 0': ['vacuum'],
  '0 5 1 * *': ['reindex'],
};
