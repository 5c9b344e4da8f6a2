import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './config';
import { driveLoad } from './load-driver';
import type { LoadResult, LoadSpec } from './load-types';

const CHILD = fileURLToPath(new URL('./load-child.ts', import.meta.url));

/**
 * One autocannon run, normally in a child process (see load-child.ts). `onWarm` runs between
 * the warm-up and the measured run: the place to reset counters.
 */
export async function runLoad(
  spec: LoadSpec,
  onWarm: () => Promise<void> | void = () => {},
  opts: { inProcess?: boolean } = {},
): Promise<LoadResult> {
  // In-process saves a process start per run (the smoke test); its timings share an event loop.
  if (opts.inProcess) return driveLoad(spec, onWarm);
  const dir = mkdtempSync(join(tmpdir(), 'gsr-bench-load-'));
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let warmed = false;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!warmed && /(^|\n)warm\n/.test(stdout)) {
          warmed = true;
          void Promise.resolve(onWarm()).then(() => child.stdin.write('go\n'));
        }
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', reject);
      child.once('exit', (code) => {
        const line = stdout.trim().split('\n').at(-1);
        if (code === 0 && line?.startsWith('{')) {
          try {
            resolve(JSON.parse(line) as LoadResult);
            return;
          } catch {}
        }
        reject(new Error(`load process exited with ${code}: ${stderr.slice(-2000) || stdout.slice(-2000)}`));
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
