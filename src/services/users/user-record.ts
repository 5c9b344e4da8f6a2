import { sql } from 'drizzle-orm';
import type { Role } from '../../db/enums';

/** A user as services hand it to routes; never carries the password hash. */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  isActive: boolean;
  mustChangePassword: boolean;
  /** The owner proved they read the address (a verification link), and it has not changed since. */
  emailVerified: boolean;
  lastLoginAt: Date | null;
  /** Set while the account-wide lock holds (failed sign-ins reached the ceiling). */
  lockedAt: Date | null;
  failedLoginCount: number;
  createdAt: Date;
}

/** The columns behind UserRecord, for RETURNING and SELECT lists of raw statements. */
export const userColumns = (alias: string) =>
  sql.raw(
    [
      'id',
      'email',
      'name',
      'role',
      'is_active',
      'must_change_password',
      'email_verified_at',
      'last_login_at',
      'locked_at',
      'failed_login_count',
      'created_at',
    ]
      .map((c) => `${alias}.${c}`)
      .join(', '),
  );

/** Raw statements return timestamptz as PostgreSQL text ("2026-01-02 03:04:05.6+00"). */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value)
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00');
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error('unreadable timestamp from the database');
  return date;
}

export function userFromRow(row: Record<string, unknown>): UserRecord {
  return {
    id: String(row.id),
    email: String(row.email),
    name: String(row.name),
    role: row.role as Role,
    isActive: row.is_active === true,
    mustChangePassword: row.must_change_password === true,
    emailVerified: row.email_verified_at !== null && row.email_verified_at !== undefined,
    lastLoginAt: toDate(row.last_login_at),
    lockedAt: toDate(row.locked_at),
    failedLoginCount: Number(row.failed_login_count ?? 0),
    createdAt: toDate(row.created_at) as Date,
  };
}
