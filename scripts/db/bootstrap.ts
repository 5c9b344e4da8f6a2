import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { migrateDatabase } from './migrate';
import { applyRoles, type RoleNames, withCredentials } from './roles';
import { createSuperAdmin } from './seed';

export interface BootstrapReport {
  roles: RoleNames;
  adminEmail: string;
  adminCreated: boolean;
  /** Set only when this run created the super admin: shown once, changed at first login. */
  generatedPassword?: string;
}

/**
 * A production database from nothing, and safe to run again: the owner and app roles, every
 * migration applied as the owner, the grants for the new tables, and one super admin with a
 * generated one-time password. No demo data (that is `npm run db:seed`, for development).
 */
export async function bootstrapDatabase(
  adminUrl: string,
  options: { email: string; roles: RoleNames & { ownerPassword: string } },
): Promise<BootstrapReport> {
  const { roles } = options;
  await applyRoles(adminUrl, roles);
  const ownerUrl = withCredentials(adminUrl, roles.owner, roles.ownerPassword);
  await migrateDatabase(ownerUrl);
  // Again: the grants and per-table rules of roles.sql reach the tables the migrations made.
  await applyRoles(adminUrl, roles);
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const admin = await createSuperAdmin(drizzle({ client }), { email: options.email });
    return {
      roles,
      adminEmail: options.email.trim().toLowerCase(),
      adminCreated: admin.created,
      generatedPassword: admin.generatedPassword,
    };
  } finally {
    await client.end();
  }
}

export function describeBootstrap(report: BootstrapReport): string {
  const lines = [
    `Roles: owner ${report.roles.owner} (migrations and the Worker's DATABASE_MAINTENANCE_URL), app ${report.roles.app} (the Worker's DATABASE_URL).`,
    'Migrations applied as the owner.',
  ];
  if (report.adminCreated) {
    lines.push(
      `Super admin ${report.adminEmail} created with the one-time password: ${report.generatedPassword}`,
      'It is shown only this once and must be changed at first login (POST /v1/me/password).',
    );
  } else {
    lines.push(`Super admin ${report.adminEmail} already exists; left as it is.`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { email: { type: 'string' } } });
  const url = process.env.DATABASE_URL;
  const ownerPassword = process.env.OWNER_ROLE_PASSWORD;
  if (!url || !values.email || !ownerPassword) {
    console.error(
      'Usage: DATABASE_URL=<admin URL> OWNER_ROLE_PASSWORD=… [APP_ROLE_PASSWORD=…] npm run db:bootstrap -- --email <super admin>',
    );
    process.exit(2);
  }
  const report = await bootstrapDatabase(url, {
    email: values.email,
    roles: {
      owner: process.env.OWNER_ROLE ?? 'gsr_owner',
      app: process.env.APP_ROLE ?? 'gsr_app',
      ownerPassword,
      appPassword: process.env.APP_ROLE_PASSWORD || undefined,
    },
  });
  console.log(describeBootstrap(report));
}
