// The compare panel: two or more runs side by side (config differences, metrics, overlaid
// validation curves). Like the results panel it replies to `webview/ready` with a snapshot, then
// reads the compared runs' events.jsonl for live epochs.

import * as path from 'node:path';

import * as vscode from 'vscode';

import { isWebviewToHostMessage, maxComparedRuns, type CompareHostMessage, type CompareRun } from '../../protocol/webview';
import { compareViewType, pollIntervalMs, setWebviewPage, webviewOptions, type ResultsLog } from './panelContent';
import { EventsReader, includesFinish, isFinalStatus, readCompareRun } from './runFolder';

interface ComparedRun {
  runId: string;
  reader: EventsReader;
  finished: boolean;
}

export class ComparePanel implements vscode.Disposable {
  private runs: ComparedRun[] = [];
  private ready = false;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  static create(runIds: string[], extensionUri: vscode.Uri, resolveRunDir: (runId: string) => string | undefined, log: ResultsLog, openRun: (runId: string) => void, onDispose: () => void): ComparePanel {
    const panel = vscode.window.createWebviewPanel(compareViewType, compareTitle(runIds), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(extensionUri));
    return new ComparePanel(runIds, panel, extensionUri, resolveRunDir, log, openRun, onDispose);
  }

  constructor(
    private runIds: string[],
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly resolveRunDir: (runId: string) => string | undefined,
    private readonly log: ResultsLog,
    private readonly openRun: (runId: string) => void,
    private readonly onDispose: () => void,
  ) {
    setWebviewPage(panel.webview, extensionUri, panel.title, { view: 'compare', runIds });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) {
          this.ready = false;
          this.stopPolling();
        }
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Shows other runs in this panel; the page is reloaded, and its ready message brings the new snapshot. */
  show(runIds: string[]): void {
    this.runIds = runIds.slice(0, maxComparedRuns);
    this.ready = false;
    this.stopPolling();
    this.panel.title = compareTitle(this.runIds);
    setWebviewPage(this.panel.webview, this.extensionUri, this.panel.title, { view: 'compare', runIds: this.runIds });
    this.panel.reveal(undefined, false);
  }

  includes(runId: string): boolean {
    return this.runIds.includes(runId);
  }

  requestRefresh(): void {
    if (this.ready) {
      setTimeout(() => this.refresh(), 0);
    }
  }

  private receive(message: unknown): void {
    if (!isWebviewToHostMessage(message)) {
      this.log('warn', `Compare panel (${this.runIds.join(', ')}): ignored an invalid message from the webview.`);
      return;
    }
    switch (message.type) {
      case 'webview/ready':
        this.sendSnapshot();
        break;
      case 'webview/openRun':
        // Only runs that this panel shows can be opened from it.
        if (this.includes(message.runId)) {
          this.openRun(message.runId);
        } else {
          this.log('warn', `Compare panel: ignored a request to open run ${message.runId}, which it does not show.`);
        }
        break;
      case 'webview/error':
        this.log('error', `Compare panel (${this.runIds.join(', ')}): the webview reported: ${message.message}`);
        break;
    }
  }

  private sendSnapshot(): void {
    this.stopPolling();
    const warnings: string[] = [];
    const runs: CompareRun[] = [];
    this.runs = [];
    for (const runId of this.runIds) {
      const runDir = this.resolveRunDir(runId);
      if (runDir === undefined) {
        warnings.push(`Run ${runId} was not found in the workspace's .distill/runs; it may have been deleted.`);
        continue;
      }
      const reader = new EventsReader(path.join(runDir, 'events.jsonl'), (line) => this.log('warn', `Run ${runId}: skipped line ${line} of events.jsonl, which is not a worker event.`));
      const run = readCompareRun(runId, runDir, reader, warnings);
      runs.push(run);
      this.runs.push({ runId, reader, finished: isFinalStatus(run.status) });
    }
    warnings.forEach((warning) => this.log('warn', `Compare panel: ${warning}`));

    this.ready = true;
    this.post({ type: 'compare/snapshot', runs, warnings });
    if (this.runs.some((run) => !run.finished)) {
      this.pollTimer = setInterval(() => this.refresh(), pollIntervalMs);
    }
  }

  private refresh(): void {
    if (!this.ready) {
      return;
    }
    for (const run of this.runs.filter((one) => !one.finished)) {
      const events = run.reader
        .readNew()
        .filter((event) => event.type === 'run/epoch' || event.type === 'run/evaluation' || event.type === 'run/finished');
      if (events.length > 0) {
        this.post({ type: 'compare/events', runId: run.runId, events });
      }
      run.finished = includesFinish(events);
    }
    if (this.runs.every((run) => run.finished)) {
      this.stopPolling();
    }
  }

  private post(message: CompareHostMessage): void {
    if (this.disposed) {
      return;
    }
    this.panel.webview.postMessage(message).then(undefined, (error: unknown) => this.log('error', `Compare panel: sending ${message.type} failed: ${String(error)}`));
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.stopPolling();
    this.disposables.forEach((disposable) => disposable.dispose());
    this.panel.dispose();
    this.onDispose();
  }
}

function compareTitle(runIds: readonly string[]): string {
  return vscode.l10n.t('Compare {0} runs', runIds.length);
}
