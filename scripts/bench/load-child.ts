import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { driveLoad } from './load-driver';
import type { LoadSpec } from './load-types';

/**
 * One measurement in its own process, so that the load generator does not share an event loop
 * with the local Neon stand-in of the parent. Spec in (a JSON file named by argv[2]); after the
 * warm-up it prints `warm` and waits for `go` on stdin (the parent resets its counters in
 * between); the result comes out as one JSON line on stdout.
 */
async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'go') break;
  }
  lines.close();
}

const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec;
const result = await driveLoad(spec, async () => {
  process.stdout.write('warm\n');
  await waitForGo();
});
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
