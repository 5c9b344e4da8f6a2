import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROLES_SQL = fileURLToPath(new URL('./roles.sql', import.meta.url));

export interface RoleNames {
  owner: string;
  app: string;
  ownerPassword?: string;
  appPassword?: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string | undefined): string {
  return value === undefined ? 'NULL' : `'${value.replace(/'/g, "''")}'`;
}

/** roles.sql with its placeholders filled in (names checked, values quoted). */
export function renderRolesSql(roles: RoleNames, database: string): string {
  for (const name of [roles.owner, roles.app]) {
    if (!ROLE_NAME.test(name)) throw new Error(`invalid role name "${name}"`);
  }
  if (roles.owner === roles.app) throw new Error('the owner and the app role must differ');
  const values: Record<string, string> = {
    OWNER: ident(roles.owner),
    APP: ident(roles.app),
    OWNER_NAME: literal(roles.owner),
    APP_NAME: literal(roles.app),
    OWNER_PASSWORD: literal(roles.ownerPassword),
    APP_PASSWORD: literal(roles.appPassword),
    DATABASE: ident(database),
    DATABASE_NAME: literal(database),
  };
  return readFileSync(ROLES_SQL, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`unknown placeholder {{${key}}} in roles.sql`);
    return value;
  });
}

/** Applies roles.sql to the database of `adminUrl`, in one transaction. */
export async function applyRoles(adminUrl: string, roles: RoleNames): Promise<void> {
  const database = decodeURIComponent(new URL(adminUrl).pathname.slice(1)) || 'postgres';
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query("set client_min_messages = 'error'");
    await client.query('begin');
    await client.query(renderRolesSql(roles, database));
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** `url` with other credentials. */
export function withCredentials(url: string, user: string, password: string): string {
  const next = new URL(url);
  next.username = encodeURIComponent(user);
  next.password = encodeURIComponent(password);
  return next.toString();
}

/** Drops roles once nothing depends on them any more (their databases are gone). */
export async function dropRoles(adminUrl: string, names: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) {
      if (!ROLE_NAME.test(name)) throw new Error(`invalid role name "${name}"`);
      await client.query(`drop role if exists ${ident(name)}`);
    }
  } finally {
    await client.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL (an admin connection to the target database) is not set.');
    process.exit(2);
  }
  const roles: RoleNames = {
    owner: process.env.OWNER_ROLE ?? 'gsr_owner',
    app: process.env.APP_ROLE ?? 'gsr_app',
    ownerPassword: process.env.OWNER_ROLE_PASSWORD || undefined,
    appPassword: process.env.APP_ROLE_PASSWORD || undefined,
  };
  await applyRoles(url, roles);
  console.log(`Roles applied: owner ${roles.owner}, application ${roles.app}.`);
}
