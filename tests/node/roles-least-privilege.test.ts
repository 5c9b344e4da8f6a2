import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../scripts/db/migrate';
import { applyRoles, dropRoles, type RoleNames, withCredentials } from '../../scripts/db/roles';

const serverUrl = process.env.TEST_DATABASE_URL;
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const database = `gsr_roles_${suffix}`;
const roles: Required<RoleNames> = {
  owner: `gsr_owner_${suffix}`,
  app: `gsr_app_${suffix}`,
  ownerPassword: randomBytes(12).toString('hex'),
  appPassword: randomBytes(12).toString('hex'),
};

async function as(url: string, run: (client: pg.Client) => Promise<void>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

async function sqlstate(client: pg.Client, text: string, values: unknown[] = []): Promise<string | undefined> {
  try {
    await client.query(text, values);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe.skipIf(!serverUrl)('least-privilege roles (PostgreSQL; skipped without TEST_DATABASE_URL)', () => {
  let adminUrl: string;
  let ownerUrl: string;
  let appUrl: string;

  beforeAll(async () => {
    await as(serverUrl as string, async (c) => {
      await c.query(`create database ${database}`);
    });
    const url = new URL(serverUrl as string);
    url.pathname = `/${database}`;
    adminUrl = url.toString();
    ownerUrl = withCredentials(adminUrl, roles.owner, roles.ownerPassword);
    appUrl = withCredentials(adminUrl, roles.app, roles.appPassword);
    // The documented order: roles, migrations as the owner, roles again for the new tables.
    await applyRoles(adminUrl, roles);
    await migrateDatabase(ownerUrl);
    await applyRoles(adminUrl, roles);
  });

  afterAll(async () => {
    await as(serverUrl as string, async (c) => {
      await c.query(`drop database if exists ${database} with (force)`);
    });
    await dropRoles(serverUrl as string, [roles.app, roles.owner]);
  });

  it('roles.sql makes the owner own every table and neither role a superuser', async () => {
    await as(adminUrl, async (c) => {
      const { rows } = await c.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean }>(
        'select rolname, rolsuper, rolcreaterole from pg_roles where rolname = any($1)',
        [[roles.owner, roles.app]],
      );
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toMatchObject({ rolsuper: false, rolcreaterole: false });
      const { rows: foreign } = await c.query(
        `select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r' and pg_get_userbyid(c.relowner) <> $1`,
        [roles.owner],
      );
      expect(foreign).toEqual([]);
    });
  });

  it('roles.sql lets the app role read and write the rows the API needs', async () => {
    await as(appUrl, async (c) => {
      const id = uuidv7();
      await c.query(
        `insert into users (id, email, password_hash, name) values ($1, $2, '$2a$04$abcdefghijklmnopqrstuv', 'Role test')`,
        [id, `roles-${id}@example.com`],
      );
      await c.query(`update users set name = 'Renamed' where id = $1`, [id]);
      await c.query(`insert into analytics_events (id, type) values ($1, 'search')`, [uuidv7()]);
      await c.query(`delete from analytics_events where created_at < now() - interval '90 days'`);
      await c.query(
        `insert into job_runs (id, name, trigger, status, finished_at) values ($1, 'roles', 'manual', 'succeeded', now())`,
        [uuidv7()],
      );
      await c.query(`update job_runs set rows_affected = 1 where name = 'roles'`);
      await c.query('delete from users where id = $1', [id]);
    });
  });

  it('roles.sql refuses the app role DDL, TRUNCATE and UPDATE of the append-only tables', async () => {
    await as(appUrl, async (c) => {
      expect(await sqlstate(c, 'create table sneaky (id int)')).toBe('42501');
      expect(await sqlstate(c, 'alter table users add column sneaky int')).toBe('42501');
      expect(await sqlstate(c, 'drop table inquiries')).toBe('42501');
      expect(await sqlstate(c, 'truncate analytics_events')).toBe('42501');
      expect(await sqlstate(c, 'truncate users')).toBe('42501');
      expect(await sqlstate(c, `update analytics_events set type = 'x'`)).toBe('42501');
      expect(await sqlstate(c, `update property_status_history set reason = 'rewritten'`)).toBe('42501');
      expect(await sqlstate(c, 'update property_price_history set price = 0')).toBe('42501');
      // Partitions are reached through analytics_events only, even the ones the nightly job creates.
      expect(await sqlstate(c, 'select * from analytics_events_default')).toBe('42501');
      const created = await c.query<{ name: string }>(`select analytics_events_create_partitions(now(), 3) as name`);
      expect(created.rows).toHaveLength(1);
      expect(await sqlstate(c, `delete from ${created.rows[0]?.name}`)).toBe('42501');
      expect(await sqlstate(c, 'create schema sneaky')).toBe('42501');
      expect(await sqlstate(c, 'select * from drizzle.__drizzle_migrations')).toBe('42501');
      expect(await sqlstate(c, `create or replace function public.f() returns int language sql as 'select 1'`)).toBe(
        '42501',
      );
    });
  });

  it('roles.sql lets the app role ANALYZE every table only through maintenance_analyze(), which does nothing else', async () => {
    await as(appUrl, async (c) => {
      // Directly, PostgreSQL skips a table the role does not own (a warning, no error, no analyze).
      const before = await c.query(`select now() as t`);
      const tables = await c.query<{ relname: string }>(
        `select relname from pg_stat_user_tables where schemaname = 'public' order by relname`,
      );
      expect(tables.rows.length).toBeGreaterThan(10);
      for (const { relname } of tables.rows) {
        const result = await c.query<{ ok: boolean }>('select maintenance_analyze($1) as ok', [relname]);
        expect(result.rows[0]?.ok, relname).toBe(true);
      }
      const stale = await c.query(
        `select relname from pg_stat_user_tables where schemaname = 'public'
           and (last_analyze is null or last_analyze < $1)`,
        [before.rows[0].t],
      );
      expect(stale.rows).toEqual([]);
      // A name is a name: quoted, resolved in public only, never run as SQL.
      const odd = await c.query('select maintenance_analyze($1) as ok', ['users; drop table users']);
      expect(odd.rows[0].ok).toBe(false);
      expect((await c.query('select maintenance_analyze($1) as ok', ['pg_class'])).rows[0].ok).toBe(false);
      expect(await sqlstate(c, 'select count(*) from users')).toBeUndefined();
    });
    // Nobody else may call it: EXECUTE is revoked from PUBLIC.
    await as(adminUrl, async (c) => {
      const granted = await c.query<{ grantee: string }>(
        `select coalesce(r.rolname, 'PUBLIC') as grantee
         from pg_proc p, aclexplode(p.proacl) a left join pg_roles r on r.oid = a.grantee
         where p.proname = 'maintenance_analyze' and a.privilege_type = 'EXECUTE'`,
      );
      expect(granted.rows.map((r) => r.grantee).sort()).toEqual([roles.app, roles.owner].sort());
    });
  });

  it('roles.sql applies the seed logging settings to the database and timeouts to the app role', async () => {
    await as(appUrl, async (c) => {
      const { rows } = await c.query<{ log_min: string; timeout: string }>(
        `select current_setting('log_min_duration_statement') as log_min, current_setting('statement_timeout') as timeout`,
      );
      expect(rows[0]).toEqual({ log_min: '1s', timeout: '30s' });
    });
    await as(adminUrl, async (c) => {
      const { rows } = await c.query<{ setconfig: string[] }>(
        `select setconfig from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase
         where d.datname = current_database() and s.setrole = 0`,
      );
      expect(rows[0]?.setconfig).toEqual(
        expect.arrayContaining(['log_statement=none', 'log_min_duration_statement=1000']),
      );
    });
  });

  it('roles.sql is idempotent and keeps the rules for tables created by later migrations', async () => {
    await applyRoles(adminUrl, roles);
    await as(ownerUrl, async (c) => {
      await c.query('create table later_table (id uuid primary key)');
    });
    await as(appUrl, async (c) => {
      await c.query('insert into later_table values ($1)', [uuidv7()]);
      expect(await sqlstate(c, 'truncate later_table')).toBe('42501');
    });
  });
});
