import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          globalSetup: ['./tests/setup/global-setup.ts'],
          environment: 'node',
          include: ['tests/node/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ENVIRONMENT: 'test',
                LOG_LEVEL: 'warn',
                DATABASE_URL: inject('databaseUrl'),
                DATABASE_OWNER_URL: inject('databaseOwnerUrl'),
                DATABASE_KIND: inject('databaseKind'),
                NEON_HTTP_ENDPOINT: inject('neonHttpEndpoint'),
                NEON_WS_PROXY: inject('neonWsProxy'),
                JWT_SECRET: TEST_JWT_SECRET,
                CORS_ORIGINS: 'https://app.example.com',
                // The whole suite shares one embedded database that serialises every query; under that
                // load a query can queue for seconds, which is not the outage the default deadline means.
                DB_QUERY_TIMEOUT_MS: '30000',
                EMAIL_TRANSPORT: 'http',
                EMAIL_API_URL: `${inject('emailSinkUrl')}/emails`,
                EMAIL_API_KEY: 'test-email-key',
                EMAIL_FROM: 'Gentle Space Realty <test@gentlespace.test>',
                EMAIL_SINK_URL: inject('emailSinkUrl'),
                FAULT_DATABASE_URL: inject('faultDatabaseUrl'),
                FAULT_DIRECT_URL: inject('faultDirectUrl'),
                FAULT_CONTROL_URL: inject('faultControlUrl'),
              },
            },
          })),
        ],
        test: {
          name: 'workers',
          globalSetup: [
            './tests/setup/global-setup.ts',
            './tests/setup/email-sink-setup.ts',
            './tests/setup/fault-proxy-setup.ts',
          ],
          include: ['tests/worker/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
