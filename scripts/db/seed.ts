import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { properties, propertyStatusHistory, users } from '../../src/db/schema';
import { generateListings } from './seed-data';

export interface SeedOptions {
  adminEmail?: string;
  adminPassword?: string;
  listings?: number;
  bcryptCost?: number;
}

export interface SeedReport {
  adminEmail: string;
  /** Set only when this run created the admin with a generated password: print it once. */
  generatedPassword?: string;
  adminCreated: boolean;
  listingsInserted: number;
}

/** The first super admin, or nothing if that email exists. Its password must be changed at first login. */
export async function createSuperAdmin(
  db: NodePgDatabase,
  options: { email: string; password?: string; bcryptCost?: number },
): Promise<{ created: boolean; generatedPassword?: string }> {
  const generatedPassword = options.password ? undefined : randomBytes(18).toString('base64url');
  const password = options.password ?? (generatedPassword as string);
  const created = await db
    .insert(users)
    .values({
      id: uuidv7(),
      email: options.email.trim().toLowerCase(),
      passwordHash: await bcrypt.hash(password, options.bcryptCost ?? 10),
      name: 'Super Admin',
      role: 'super_admin',
      mustChangePassword: true,
      // The operator chose this address for the first account: nothing to prove by email.
      emailVerifiedAt: new Date(),
    })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  return created.length > 0 ? { created: true, generatedPassword } : { created: false };
}

/**
 * Idempotent: the super admin is created once (never overwritten), listings are keyed by
 * slug. Runs over a direct connection from Node, like migrations.
 */
export async function seedDatabase(url: string, options: SeedOptions = {}): Promise<SeedReport> {
  const adminEmail = (options.adminEmail ?? 'admin@example.com').trim().toLowerCase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const db = drizzle({ client });
    const admin = await createSuperAdmin(db, {
      email: adminEmail,
      password: options.adminPassword,
      bcryptCost: options.bcryptCost,
    });
    const existing = await client.query<{ id: string }>('select id from users where email = $1', [adminEmail]);
    const adminId = existing.rows[0]?.id;

    const listings = generateListings(options.listings ?? 36);
    let listingsInserted = 0;
    for (const listing of listings) {
      const id = uuidv7();
      const inserted = await db
        .insert(properties)
        .values({
          id,
          ...listing,
          createdBy: adminId,
          publishedAt: listing.status === 'draft' ? null : new Date(),
        })
        .onConflictDoNothing({ target: properties.slug })
        .returning({ id: properties.id });
      if (inserted.length === 0) continue;
      listingsInserted++;
      if (listing.status !== 'draft') {
        await db.insert(propertyStatusHistory).values({
          id: uuidv7(),
          propertyId: id,
          fromStatus: 'draft',
          toStatus: listing.status,
          reason: 'seeded',
          changedBy: adminId,
        });
      }
    }
    return {
      adminEmail,
      adminCreated: admin.created,
      generatedPassword: admin.generatedPassword,
      listingsInserted,
    };
  } finally {
    await client.end();
  }
}

export function describeSeed(report: SeedReport): string {
  const lines = [`Seeded ${report.listingsInserted} new listings.`];
  if (report.adminCreated && report.generatedPassword) {
    lines.push(
      `Super admin ${report.adminEmail} created with the generated password: ${report.generatedPassword}`,
      'It is shown only this once; you must change it at first login (POST /v1/me/password).',
    );
  } else if (report.adminCreated) {
    lines.push(`Super admin ${report.adminEmail} created with SEED_ADMIN_PASSWORD (change it at first login).`);
  } else {
    lines.push(`Super admin ${report.adminEmail} already exists; left as it is.`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set.');
    process.exit(2);
  }
  const report = await seedDatabase(url, {
    adminEmail: process.env.SEED_ADMIN_EMAIL,
    adminPassword: process.env.SEED_ADMIN_PASSWORD,
  });
  console.log(describeSeed(report));
}
