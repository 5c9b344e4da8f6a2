import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { copyDocsAssets } from './scripts/docs-assets.ts';

// wrangler.toml's [assets] must exist before workerd starts; wrangler's [build] does not run here.
copyDocsAssets();

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** Runs per operation of the OpenAPI fuzzer: a quick pass per database, the full size once in `slow`. */
export const FUZZ_RUNS = { quick: 12, full: 60 } as const;

const DATABASE_SETUP = './tests/setup/global-setup.ts';

/** A project of suites that run inside workerd against the real Worker, database, R2 and limiters. */
function workerProject(name: string, include: string[], extraBindings: Record<string, string>) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ENVIRONMENT: 'test',
            LOG_LEVEL: 'warn',
            DATABASE_URL: inject('databaseUrl'),
            DATABASE_OWNER_URL: inject('databaseOwnerUrl'),
            // As in production: VACUUM and REINDEX over the owner's connection, the rest as DATABASE_URL.
            DATABASE_MAINTENANCE_URL: inject('databaseOwnerUrl'),
            DATABASE_KIND: inject('databaseKind'),
            // Not DATABASE_READ_URL: only the replica tests point the Worker at it.
            REPLICA_DATABASE_URL: inject('replicaDatabaseUrl'),
            NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
            NEON_WS_PROXY: inject('neonWsProxy'),
            JWT_SECRET: TEST_JWT_SECRET,
            CORS_ORIGINS: 'https://app.example.com',
            // The whole suite shares one embedded database that serialises every query; under that
            // load a query can queue for seconds, which is not the outage the default deadline means.
            DB_QUERY_TIMEOUT_MS: '30000',
            // bcrypt's lowest cost: tests that depend on the production cost pass BCRYPT_COST themselves.
            BCRYPT_COST: '4',
            EMAIL_TRANSPORT: 'http',
            EMAIL_API_URL: `${inject('emailSinkUrl')}/emails`,
            EMAIL_API_KEY: 'test-email-key',
            EMAIL_FROM: 'Gentle Space Realty <test@gentlespace.test>',
            EMAIL_SINK_URL: inject('emailSinkUrl'),
            FAULT_DATABASE_URL: inject('faultDatabaseUrl'),
            FAULT_DIRECT_URL: inject('faultDirectUrl'),
            FAULT_CONTROL_URL: inject('faultControlUrl'),
            ...extraBindings,
          },
        },
      })),
    ],
    test: {
      name,
      globalSetup: [DATABASE_SETUP, './tests/setup/email-sink-setup.ts', './tests/setup/fault-proxy-setup.ts'],
      include,
      // Every file shares one Worker isolate and its module graph instead of re-importing the app
      // (~1.4 s a file). Each test makes its own users, listings and IPs, so no state needs a reset.
      isolate: false,
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  } satisfies TestProjectInlineConfiguration;
}

/**
 * `npm test`: unit (no database, runs once), node (tooling that reaches the database) and workers.
 * `npm run test:engine`: the database-dependent projects only, for the second engine in CI.
 * `npm run test:slow`: statistical and full-size fuzz tests, once per CI run.
 * `npm run test:tooling`: the benchmark harness and the local `wrangler dev` smoke test.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'node',
          globalSetup: [DATABASE_SETUP],
          environment: 'node',
          include: ['tests/node/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      workerProject('workers', ['tests/worker/**/*.test.ts'], { FUZZ_RUNS: String(FUZZ_RUNS.quick) }),
      workerProject('slow', ['tests/slow/**/*.test.ts', 'tests/worker/fuzz-openapi.test.ts'], {
        FUZZ_RUNS: String(FUZZ_RUNS.full),
        BCRYPT_COST: '10',
      }),
      {
        test: {
          name: 'tooling',
          globalSetup: [DATABASE_SETUP],
          environment: 'node',
          include: ['tests/tooling/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
