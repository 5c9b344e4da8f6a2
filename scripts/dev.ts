import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { migrateDatabase } from './db/migrate';
import { describeSeed, seedDatabase } from './db/seed';
import { localR2PutObject, seedPhotos } from './db/seed-photos';
import { startEmbeddedPostgres } from './local-db/embedded-postgres';
import { startLocalNeon } from './local-db/local-neon';
import { startLocalOutbox } from './local-outbox/outbox';

/**
 * `npm run dev`: embedded PostgreSQL (or DATABASE_URL), the local Neon stand-in, the local
 * outbox every email lands in, migrations, seed, then `wrangler dev` pointed at them.
 * Ctrl-C stops all of it.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = `${root}.data`;
mkdirSync(dataDir, { recursive: true });

function devSecrets(): { jwtSecret: string } {
  const file = `${dataDir}/dev-secrets.json`;
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { jwtSecret: randomBytes(48).toString('base64url') };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

const cleanups: Array<() => Promise<void>> = [];
let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: `${dataDir}/pglite`, port: 0 });
    cleanups.push(embedded.close);
    databaseUrl = embedded.url;
    console.log(`Embedded PostgreSQL (PGlite) with data in .data/pglite on port ${embedded.port}`);
  } else {
    console.log('Using the database in DATABASE_URL');
  }
  if (process.env.WORKER_DATABASE_URL) console.log('The Worker connects with WORKER_DATABASE_URL');

  await migrateDatabase(databaseUrl);
  console.log('Migrations applied.');
  const report = await seedDatabase(databaseUrl, {
    adminEmail: process.env.SEED_ADMIN_EMAIL,
    adminPassword: process.env.SEED_ADMIN_PASSWORD,
  });
  console.log(describeSeed(report));
  // Before wrangler dev starts: both use the same local R2 files under .wrangler/state.
  const r2 = await localR2PutObject(`${root}wrangler.toml`);
  try {
    const photos = await seedPhotos(databaseUrl, r2.put);
    console.log(`Seeded ${photos.photosInserted} photos.`);
  } finally {
    await r2.dispose();
  }

  const neon = await startLocalNeon({ port: Number(process.env.LOCAL_NEON_PORT ?? 0) });
  cleanups.push(neon.close);
  console.log(`Local Neon stand-in on ${neon.httpEndpoint}`);

  const outboxPort = Number(process.env.OUTBOX_PORT ?? 8025);
  const outbox = await startLocalOutbox({ port: outboxPort });
  cleanups.push(outbox.close);
  console.log(`Local outbox: every email the API sends is at http://localhost:${outboxPort}/`);

  const port = process.env.PORT ?? '8787';
  const vars: Record<string, string> = {
    ENVIRONMENT: 'development',
    // The Worker may run as another role than the one that migrates and seeds (production's
    // least-privilege app role), so a developer sees locally what that role may and may not do.
    DATABASE_URL: process.env.WORKER_DATABASE_URL ?? databaseUrl,
    // As in production: the weekly VACUUM and monthly REINDEX run as the role that migrates.
    DATABASE_MAINTENANCE_URL: databaseUrl,
    NEON_HTTP_ENDPOINT: neon.httpEndpoint,
    NEON_WS_PROXY: neon.wsProxyHost,
    JWT_SECRET: devSecrets().jwtSecret,
    CORS_ORIGINS: process.env.CORS_ORIGINS ?? 'http://localhost:3000,http://localhost:5173',
    EMAIL_TRANSPORT: 'http',
    EMAIL_API_URL: `${outbox.url}/emails`,
    EMAIL_API_KEY: 'local-outbox',
  };
  // --test-scheduled: /__scheduled reaches the Worker's scheduled(); with static assets, wrangler's
  // own /cdn-cgi/handler/scheduled stops at the assets proxy and answers 500.
  const args = ['wrangler', 'dev', '--port', port, '--ip', '127.0.0.1', '--show-interactive-dev-session=false'];
  args.push('--test-scheduled');
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const wrangler = spawn('npx', args, { cwd: root, stdio: 'inherit', env: process.env });
  cleanups.push(async () => {
    if (wrangler.exitCode === null) wrangler.kill('SIGINT');
  });
  wrangler.on('exit', (code) => void stop(code ?? 0));
} catch (error) {
  console.error(error);
  await stop(1);
}
