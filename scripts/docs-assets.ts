import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `/docs` loads the API reference's browser bundle from this Worker's static assets. The bundle
 * is not committed: it is copied from node_modules, so the lockfile pins its version, by
 * wrangler.toml's `[build]` (wrangler dev, deploy, `npm run dev`) and by vitest.config.ts (tests).
 */
const root = fileURLToPath(new URL('..', import.meta.url));

export const DOCS_ASSET_SOURCE = join(root, 'node_modules/@scalar/api-reference/dist/browser/standalone.js');
export const DOCS_ASSET_TARGET = join(root, 'public/docs/vendor/scalar-api-reference.js');

/** Copies the bundle unless the copy is already identical (a rewrite would restart wrangler dev). */
export function copyDocsAssets(): { copied: boolean; bytes: number } {
  const source = readFileSync(DOCS_ASSET_SOURCE);
  if (existsSync(DOCS_ASSET_TARGET) && readFileSync(DOCS_ASSET_TARGET).equals(source)) {
    return { copied: false, bytes: source.length };
  }
  mkdirSync(dirname(DOCS_ASSET_TARGET), { recursive: true });
  copyFileSync(DOCS_ASSET_SOURCE, DOCS_ASSET_TARGET);
  return { copied: true, bytes: source.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { copied, bytes } = copyDocsAssets();
  console.log(`${copied ? 'copied' : 'up to date'}: public/docs/vendor/scalar-api-reference.js (${bytes} bytes)`);
}
