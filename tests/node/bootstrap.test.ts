import bcrypt from 'bcryptjs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BootstrapReport, bootstrapDatabase } from '../../scripts/db/bootstrap';
import { dropRoles, withCredentials } from '../../scripts/db/roles';

const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)('npm run db:bootstrap (PostgreSQL; skipped without TEST_DATABASE_URL)', () => {
  const name = `gsr_boot_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const roles = { owner: `${name}_owner`, app: `${name}_app`, ownerPassword: 'owner-pw-1', appPassword: 'app-pw-1' };
  let adminUrl = '';
  let first: BootstrapReport;
  let second: BootstrapReport;

  const query = async <T extends pg.QueryResultRow>(url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await query(serverUrl as string, `create database ${name}`);
    const url = new URL(serverUrl as string);
    url.pathname = `/${name}`;
    adminUrl = url.toString();
    first = await bootstrapDatabase(adminUrl, { email: ' Ops@Agency.Example ', roles });
    second = await bootstrapDatabase(adminUrl, { email: 'ops@agency.example', roles });
  }, 120_000);

  afterAll(async () => {
    await query(serverUrl as string, `drop database if exists ${name} with (force)`);
    await dropRoles(serverUrl as string, [roles.app, roles.owner]);
  });

  it('creates one super admin with a one-time password that must be changed, and no demo data', async () => {
    expect(first.adminCreated).toBe(true);
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const users = await query<{ email: string; role: string; must_change_password: boolean; password_hash: string }>(
      adminUrl,
      'select email, role, must_change_password, password_hash from users',
    );
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ email: 'ops@agency.example', role: 'super_admin', must_change_password: true });
    expect(await bcrypt.compare(first.generatedPassword as string, users[0]?.password_hash ?? '')).toBe(true);
    expect(await query(adminUrl, 'select 1 from properties')).toEqual([]);
    expect(await query(adminUrl, 'select 1 from property_images')).toEqual([]);
  });

  it('is safe to run again: nothing is created twice and no password is shown again', async () => {
    expect(second.adminCreated).toBe(false);
    expect(second.generatedPassword).toBeUndefined();
    expect(await query(adminUrl, 'select 1 from users')).toHaveLength(1);
  });

  it('leaves the schema owned by the owner role, and the app role able to use it but not change it', async () => {
    const owners = await query<{ owner: string }>(
      adminUrl,
      "select distinct pg_get_userbyid(relowner) as owner from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'",
    );
    expect(owners).toEqual([{ owner: roles.owner }]);
    const appUrl = withCredentials(adminUrl, roles.app, roles.appPassword);
    expect(await query(appUrl, 'select count(*)::int as n from users')).toEqual([{ n: 1 }]);
    await expect(query(appUrl, 'create table intruder (id int)')).rejects.toThrow(/permission denied/);
    await expect(query(appUrl, 'drop table users')).rejects.toThrow(/must be owner|permission denied/);
  });
});
