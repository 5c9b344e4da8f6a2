import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilUp(url: string, child: ChildProcess, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('wrangler dev did not come up in time');
}

export interface LocalWorker {
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * `wrangler dev` of this repository on a free port with the given vars (its [build] runs first,
 * as under `npm run dev`), its local state in a temporary directory. Resolves once /health answers.
 */
export async function startLocalWorker(vars: Record<string, string>): Promise<LocalWorker> {
  const persist = mkdtempSync(join(tmpdir(), 'gsr-worker-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const args = ['wrangler', 'dev', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', persist];
  // As `npm run dev` does: /__scheduled runs the cron jobs (see scripts/dev.ts).
  args.push('--show-interactive-dev-session=false', '--inspector-port', String(await freePort()), '--test-scheduled');
  for (const [key, value] of Object.entries(vars)) args.push('--var', `${key}:${value}`);
  const wrangler = spawn('npx', args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  wrangler.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });

  async function stop() {
    if (wrangler.pid && wrangler.exitCode === null) {
      // wrangler starts workerd as a child: end the whole process group we started.
      process.kill(-wrangler.pid, 'SIGTERM');
      await Promise.race([once(wrangler, 'exit'), new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (wrangler.exitCode === null) process.kill(-wrangler.pid, 'SIGKILL');
    }
    rmSync(persist, { recursive: true, force: true });
  }

  try {
    await waitUntilUp(baseUrl, wrangler, 90_000);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return { baseUrl, stop };
}
