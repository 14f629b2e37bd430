// The HTML page of the results and compare webviews, with a strict Content Security Policy: no
// inline script, the bundle allowed by its nonce, styles and images only from the webview's own
// resource origin. No `vscode` import, so the browser tests serve the very same page.

import { randomBytes } from 'node:crypto';

import type { PanelState } from '../../protocol/webview';

export interface WebviewPageOptions {
  /** `webview.cspSource`: the origin of the resources that asWebviewUri returns. */
  cspSource: string;
  /** Base64 value that the page's script tag carries; a new one for every page. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  /** The document title, read by screen readers. */
  title: string;
  /** BCP 47 tag of the display language, for number formatting. */
  language: string;
  /** The panel's state before the webview has stored its own, so a window reload can restore the panel at once. */
  state: PanelState;
  /** `vscode.l10n.bundle`: translations of the webview's English messages; undefined in English. */
  translations?: Record<string, string>;
}

/** Returns 128 random bits in base64, for a CSP nonce. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Returns the Content-Security-Policy of the page. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
  ].join('; ');
}

export function renderWebviewPage(options: WebviewPageOptions): string {
  const { cspSource, nonce } = options;
  const styles = options.styleUris.map((uri) => `    <link rel="stylesheet" href="${escapeHtml(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.language)}">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(cspSource, nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
    <title>${escapeHtml(options.title)}</title>
  </head>
  <body data-state="${escapeHtml(JSON.stringify(options.state))}" data-l10n="${escapeHtml(JSON.stringify(options.translations ?? {}))}">
    <main id="app" aria-live="off"><p class="loading">Loading…</p></main>
    <script nonce="${escapeHtml(nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
  </body>
</html>
`;
}
