/**
 * The browsable documentation (`GET /v1/docs`): Swagger UI (the npm package `swagger-ui-dist`) rendering the OpenAPI
 * document (`/v1/openapi.json`), every file served from this origin under `/v1/docs/assets/`: nothing is fetched from
 * elsewhere, and no script or style is inline (the page's own start-up script is a file too, `docs-init.js`).
 *
 * The page and its assets carry their own Content-Security-Policy, {@link DOCS_CSP}: scripts, styles, fetches and
 * fonts from this origin only, images also as `data:` URLs (Swagger UI's icons), nothing else. It is narrower than the
 * API's default from helmet (no `style-src https: 'unsafe-inline'`, no forms, no framing).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The files the page loads, by the name they are served under, with where they are on disk. */
export const DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': require.resolve('swagger-ui-dist/swagger-ui.css'),
  'swagger-ui-bundle.js': require.resolve('swagger-ui-dist/swagger-ui-bundle.js'),
  'docs-init.js': fileURLToPath(new URL('./docs-init.js', import.meta.url)),
};

/** The version of Swagger UI the page is rendered with. */
export const SWAGGER_UI_VERSION: string = (require('swagger-ui-dist/package.json') as { version: string }).version;

/** Where the assets are served. */
export const DOCS_ASSET_PATH = '/v1/docs/assets';

/** The Content-Security-Policy of the documentation page and its assets. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page: Swagger UI's stylesheet and script, and the script that starts it on the OpenAPI document. */
export function docsPage(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="stylesheet" href="${DOCS_ASSET_PATH}/swagger-ui.css">
</head>
<body>
<noscript><p>This page needs JavaScript. The contract itself is at <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1).</p></noscript>
<div id="swagger-ui"></div>
<script src="${DOCS_ASSET_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_ASSET_PATH}/docs-init.js"></script>
</body>
</html>
`;
}
