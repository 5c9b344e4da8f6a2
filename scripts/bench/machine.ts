import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './config';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  /** 1/5/15-minute load averages when the run started and ended: other work on the machine. */
  loadAverage: { start: number[]; end?: number[] };
}

export interface Versions {
  node: string;
  wrangler: string;
  workerd: string;
  postgres: string;
  autocannon: string;
}

export interface CommitInfo {
  commit: string;
  short: string;
  /** Uncommitted changes in the working tree when the run started. */
  dirty: boolean;
}

const packageVersion = (name: string) => {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
};

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: os.loadavg().map((v) => Math.round(v * 100) / 100) },
  };
}

export async function versions(databaseUrl: string): Promise<Versions> {
  let postgres = 'unknown';
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>('select version() as v');
    postgres = rows[0]?.v ?? postgres;
  } catch {
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    node: process.version,
    wrangler: packageVersion('wrangler'),
    workerd: packageVersion('workerd'),
    postgres,
    autocannon: packageVersion('autocannon'),
  };
}

export function commitInfo(): CommitInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', 'HEAD') || 'unknown';
  return { commit, short: commit.slice(0, 7), dirty: git('status', '--porcelain').length > 0 };
}
