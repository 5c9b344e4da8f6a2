/** Served from `public/` (Workers static assets); vendor/ is copied from node_modules at build time. */
export const DOCS_SCRIPTS = ['/docs/vendor/scalar-api-reference.js', '/docs/init.js'] as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * The /docs page: the reference's configuration as inert JSON data (never an inline script), read
 * by /docs/init.js. Nothing may come from another origin: no CDN, no hosted fonts, no proxy for
 * "try it" (requests go straight to this origin), no telemetry or hosted agent.
 */
export function docsPage(options: { title: string; openapiUrl: string }): string {
  const config = {
    url: options.openapiUrl,
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    hideClientButton: false,
    showDeveloperTools: 'never',
    documentDownloadType: 'json',
  };
  // `<` escaped so that no value can close the data element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  const scripts = DOCS_SCRIPTS.map((src) => `    <script src="${src}" defer></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(options.title)}</title>
  </head>
  <body>
    <div id="app"></div>
    <script id="api-reference-config" type="application/json">${json}</script>
${scripts}
  </body>
</html>
`;
}
