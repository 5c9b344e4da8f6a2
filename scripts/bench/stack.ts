import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalNeon, startLocalNeon } from '../local-db/local-neon';
import { ROOT } from './config';
import { SqlObserver } from './sql-observer';

export interface Stack {
  /** http://127.0.0.1:PORT of `wrangler dev`. */
  baseUrl: string;
  observer: SqlObserver;
  neon: LocalNeon;
  logFile: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHealth(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode} before answering`);
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      lastError = `status ${res.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs} ms (${lastError})`);
}

function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const killer = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {}
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    try {
      // Its own process group (detached): this reaches workerd, which wrangler started, too.
      process.kill(-pid, 'SIGTERM');
    } catch {
      clearTimeout(killer);
      resolve();
    }
  });
}

/**
 * The Worker the way `npm run dev` runs it (scripts/dev.ts): the local Neon stand-in, here with
 * counters, and `wrangler dev` (workerd) pointed at it, with its own state directory so the
 * edge cache and R2 start empty and the uploads vanish afterwards.
 */
export async function startStack(opts: {
  databaseUrl: string;
  logFile: string;
  verbose: boolean;
  extraVars?: Record<string, string>;
}): Promise<Stack> {
  const observer = new SqlObserver();
  const neon = await startLocalNeon({ port: 0, poolMax: 20, observe: observer.hooks });
  const stateDir = mkdtempSync(join(tmpdir(), 'gsr-bench-state-'));
  const wrangler = join(ROOT, 'node_modules/.bin/wrangler');
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
  const log = createWriteStream(opts.logFile);
  // A snapshot of the Worker, bundled the way `wrangler deploy` bundles it: `wrangler dev` on
  // the sources would reload (and drop requests) whenever someone saves a file mid-run.
  const distDir = join(stateDir, 'dist');
  try {
    const out = execFileSync(wrangler, ['deploy', '--dry-run', '--outdir', distDir], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    log.write(out);
  } catch (error) {
    log.end();
    await neon.close();
    rmSync(stateDir, { recursive: true, force: true });
    throw new Error(`bundling the Worker failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
  const port = await freePort();
  const inspectorPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const vars: Record<string, string> = {
    ENVIRONMENT: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: opts.databaseUrl,
    NEON_HTTP_ENDPOINT: neon.httpEndpoint,
    NEON_WS_PROXY: neon.wsProxyHost,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    EMAIL_TRANSPORT: 'log',
    CORS_ORIGINS: '',
    ...opts.extraVars,
  };
  const args = [
    'dev',
    join(distDir, 'index.js'),
    '--no-bundle',
    '--config',
    join(ROOT, 'wrangler.toml'),
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--inspector-port',
    String(inspectorPort),
    '--persist-to',
    join(stateDir, 'state'),
    '--log-level',
    'warn',
    '--show-interactive-dev-session=false',
  ];
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const child = spawn(wrangler, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  if (opts.verbose) {
    child.stdout?.pipe(process.stdout, { end: false });
    child.stderr?.pipe(process.stderr, { end: false });
  }

  let stopped = false;
  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await stopProcessGroup(child);
    await neon.close();
    log.end();
    rmSync(stateDir, { recursive: true, force: true });
  }

  try {
    await waitForHealth(baseUrl, child, 120_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, observer, neon, logFile: opts.logFile, stop };
}
