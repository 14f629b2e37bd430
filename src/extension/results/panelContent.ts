// Webview options and HTML shared by the results and compare panels.

import * as vscode from 'vscode';

import type { PanelState } from '../../protocol/webview';
import { createNonce, renderWebviewPage } from './html';

export const resultsViewType = 'distill.results';
export const compareViewType = 'distill.compare';

/** Levels of the log callback that the panels receive; every message names the run id. */
export type ResultsLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Scripts on, and local resources limited to the webview bundle and media/. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** Sets the page of a panel; the webview then sends `webview/ready` and receives its snapshot. */
export function setWebviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, state: PanelState): void {
  webview.options = webviewOptions(extensionUri);
  webview.html = renderWebviewPage({
    cspSource: webview.cspSource,
    nonce: createNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'webview.js')).toString(),
    styleUris: [
      webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'webview.css')).toString(),
      webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'results.css')).toString(),
    ],
    title,
    language: vscode.env.language,
    state,
    translations: vscode.l10n.bundle,
  });
}

/** Milliseconds between two reads of a live run's folder, when no pushed event prompts one sooner. */
export const pollIntervalMs = 1000;

/** Lines of events.jsonl that fail to parse are logged up to this count per panel, then counted. */
export const loggedBadLines = 5;
