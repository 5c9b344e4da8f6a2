import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/env';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of README's configuration table: the names of a row and its default column. */
function configurationTable(): Array<{ names: string[]; defaults: string[] }> {
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  return section
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+`/.test(line))
    .map((line) => {
      const [, names = '', , defaults = ''] = line.split('|').map((cell) => cell.trim());
      const codes = (cell: string) => [...cell.matchAll(/`([^`]*)`/g)].map((m) => m[1] as string);
      return { names: codes(names), defaults: defaults.split(',').map((d) => d.trim()) };
    });
}

// The smallest configuration that parses: every other setting takes its default.
const required = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', JWT_SECRET: 'x'.repeat(32) };

describe("README's configuration table", () => {
  const rows = configurationTable();
  const documented = rows.flatMap((row) => row.names);
  const read = Object.keys(configSchema.shape);

  it('lists only settings the Worker reads, and every setting it reads', () => {
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((name) => !read.includes(name))).toEqual([]);
    expect(read.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('gives the defaults the code applies, where it states a number or a word', () => {
    const parsed = configSchema.parse(required) as Record<string, unknown>;
    let compared = 0;
    for (const { names, defaults } of rows) {
      if (names.length !== defaults.length) continue;
      names.forEach((name, i) => {
        const stated = /^`([^`]+)`$/.exec(defaults[i] ?? '')?.[1];
        // A default that names another setting (`JWT_SECRET`) is a fallback the code applies where it is used.
        if (stated === undefined || read.includes(stated)) return;
        compared += 1;
        expect(String(parsed[name]), name).toBe(stated);
      });
    }
    expect(compared).toBeGreaterThan(20);
  });
});
