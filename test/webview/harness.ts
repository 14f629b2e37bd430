// A test page for the webview bundle. A small HTTP server on 127.0.0.1 serves the page that the
// extension host would build (same HTML, same CSP, a fresh nonce). A stand-in for VS Code's
// acquireVsCodeApi and the theme variables load before the bundle.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { createNonce, escapeHtml, renderWebviewPage } from '../../src/extension/results/html';
import type { PanelState } from '../../src/protocol/webview';

export type ThemeName = 'light' | 'dark';

/** Display languages of the test page: English, the source, or French from l10n/bundle.l10n.fr.json. */
export type PageLanguage = 'en' | 'fr';

export interface Harness {
  origin: string;
  /** URL of a page for one panel state in one theme, in English unless a language is given. */
  pageUrl(state: PanelState, theme: ThemeName, language?: PageLanguage): string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Folders of the repository that the page may load files from, like the panel's localResourceRoots. */
const servedFolders = ['dist/webview/', 'media/', 'test/webview/'];

export async function startHarness(repositoryRoot: string): Promise<Harness> {
  const themes = JSON.parse(readFileSync(path.join(repositoryRoot, 'test/fixtures/webview/themes.json'), 'utf8')) as Record<ThemeName, unknown>;
  const frenchBundle = JSON.parse(readFileSync(path.join(repositoryRoot, 'l10n/bundle.l10n.fr.json'), 'utf8')) as Record<string, string>;
  let origin = '';

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);

    if (url.pathname === '/page') {
      const state = JSON.parse(url.searchParams.get('state') ?? 'null') as PanelState;
      const theme = themes[(url.searchParams.get('theme') ?? 'dark') as ThemeName];
      const language = url.searchParams.get('language') === 'fr' ? 'fr' : 'en';
      const nonce = createNonce();
      const page = renderWebviewPage({
        cspSource: origin,
        nonce,
        scriptUri: `${origin}/dist/webview/webview.js`,
        styleUris: [`${origin}/dist/webview/webview.css`, `${origin}/media/results.css`],
        title: 'Distill Lab results (test page)',
        language,
        state,
        // As vscode.l10n.bundle: the French bundle in French, none in English.
        translations: language === 'fr' ? frenchBundle : undefined,
      });
      const stub = `<script nonce="${escapeHtml(nonce)}" src="${origin}/test/webview/harness-page.js" data-theme="${escapeHtml(JSON.stringify(theme))}"></script>\n    <script nonce=`;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page.replace('<script nonce=', stub));
      return;
    }

    const relative = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    if (relative.includes('..') || !servedFolders.some((folder) => relative.startsWith(folder))) {
      response.writeHead(404).end();
      return;
    }
    try {
      const contents = readFileSync(path.join(repositoryRoot, relative));
      response.writeHead(200, { 'content-type': contentTypes[path.extname(relative)] ?? 'application/octet-stream' });
      response.end(contents);
    } catch {
      response.writeHead(404).end();
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    pageUrl: (state, theme, language = 'en') => `${origin}/page?theme=${theme}&language=${language}&state=${encodeURIComponent(JSON.stringify(state))}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/**
 * Encodes a host message as JSON with each ArrayBuffer as `{ "__arrayBuffer": base64 }`, because
 * Playwright passes only JSON-like values into the page; `decodeInPage` restores the buffers there.
 */
export function encodeMessage(message: unknown): string {
  return JSON.stringify(message, (_key, value: unknown) =>
    value instanceof ArrayBuffer ? { __arrayBuffer: Buffer.from(value).toString('base64') } : value,
  );
}

/**
 * Returns a script for page.evaluate that decodes an `encodeMessage` string and posts it to the
 * window, as VS Code delivers host messages. It is a string, not a function, because tsx adds
 * helper calls to transpiled functions that do not exist inside the page.
 */
export function postMessageScript(encoded: string): string {
  return `(() => {
    const message = JSON.parse(${JSON.stringify(encoded)}, (key, value) => {
      if (value !== null && typeof value === 'object' && '__arrayBuffer' in value) {
        const binary = atob(value.__arrayBuffer);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i += 1) {
          bytes[i] = binary.charCodeAt(i);
        }
        return bytes.buffer;
      }
      return value;
    });
    window.postMessage(message, '*');
  })()`;
}
