// Bundles the results and compare webviews for the browser: src/webview/main.ts becomes
// dist/webview/webview.js (an IIFE, because the page loads it with a plain <script> tag) and the
// CSS it imports (uPlot's) becomes dist/webview/webview.css. Our own styles stay in media/.
// `--production` minifies and leaves out the source map.
import { build } from 'esbuild';

const production = process.argv.includes('--production');

await build({
  entryPoints: { webview: 'src/webview/main.ts' },
  outdir: 'dist/webview',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  // The views use CSS color-mix(), which Chromium has supported since version 111.
  target: 'chrome114',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
});
