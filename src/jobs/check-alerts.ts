import { maintenanceSettings } from '../env';
import { createEmailTransport } from '../services/email/create-transport';
import { drainNotifications, drainSettings } from '../services/notifications/drain';
import { detectProblems, queueAlertEmails, reconcileAlerts } from '../services/system/alerts';
import type { JobContext, JobResult } from './types';

/** Every few minutes: open, remind and resolve alerts, and email them to the super admins at once. */
export async function runCheckAlerts({ env, db, config, logger, runId }: JobContext): Promise<JobResult> {
  const settings = maintenanceSettings(env);
  const alertSettings = {
    remindHours: settings.ALERT_REMIND_HOURS,
    deadNotificationHours: settings.ALERT_DEAD_NOTIFICATION_HOURS,
    dashboardStaleMinutes: settings.ALERT_DASHBOARD_STALE_MINUTES,
    backupMaxAgeHours: settings.ALERT_BACKUP_MAX_AGE_HOURS,
    growth: config,
  };
  const problems = await detectProblems(db, alertSettings);
  const outcome = await reconcileAlerts(db, problems, alertSettings);
  const ids = await queueAlertEmails(db, outcome.emails);
  // Sent now rather than by the next drain; what fails here the drain retries like any email.
  const sent =
    ids.length > 0
      ? await drainNotifications({
          db,
          transport: createEmailTransport(config, logger),
          logger,
          settings: drainSettings(config),
          workerId: `alerts-${runId}`,
          ids,
          budgetMs: 20_000,
        })
      : null;
  return {
    rowsAffected: outcome.opened.length + outcome.resolved.length,
    details: {
      problems: problems.map((p) => p.key),
      open: outcome.open,
      opened: outcome.opened,
      resolved: outcome.resolved,
      emailsQueued: ids.length,
      emailsSent: sent?.sent ?? 0,
    },
  };
}
