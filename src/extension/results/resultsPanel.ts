// One run's results panel. It replies to `webview/ready` with a snapshot of the run folder, then
// sends the events that the worker appends to events.jsonl, and the softened/ subset once it
// exists. events.jsonl is the only source of events, because the worker appends each event there
// before it sends it over IPC. A pushed event only makes the panel read the file sooner, so
// nothing is sent twice or out of order.

import * as vscode from 'vscode';

import { isWebviewToHostMessage, type ResultsHostMessage } from '../../protocol/webview';
import { loggedBadLines, pollIntervalMs, resultsViewType, setWebviewPage, webviewOptions, type ResultsLog } from './panelContent';
import { ResultsFeed } from './resultsFeed';
import { SweepFeed } from './sweepFeed';

export class ResultsPanel implements vscode.Disposable {
  private readonly feed: ResultsFeed | undefined;
  /** The sweep of a child run, sent beside the run's own messages. */
  private readonly sweepFeed: SweepFeed | undefined;
  /** True between the webview's ready message and the moment it is hidden or disposed. */
  private ready = false;
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private refreshQueued = false;
  private badLines = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  static create(runId: string, runDir: string | undefined, title: string, extensionUri: vscode.Uri, log: ResultsLog, onDispose: () => void): ResultsPanel {
    const panel = vscode.window.createWebviewPanel(resultsViewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(extensionUri));
    return new ResultsPanel(runId, runDir, panel, extensionUri, log, onDispose);
  }

  constructor(
    readonly runId: string,
    /** Undefined when the run id resolves to no folder, such as a deleted run restored after a reload. */
    runDir: string | undefined,
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly log: ResultsLog,
    private readonly onDispose: () => void,
  ) {
    this.feed =
      runDir === undefined
        ? undefined
        : new ResultsFeed(runId, runDir, (warning) => this.log('warn', `Run ${runId}: ${warning}`), (line, text) => this.reportBadLine(line, text));
    this.sweepFeed = runDir === undefined ? undefined : new SweepFeed(runId, runDir);
    setWebviewPage(panel.webview, extensionUri, panel.title, { view: 'results', runId });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      panel.onDidChangeViewState(() => {
        // A hidden webview is destroyed; it sends webview/ready again when it is shown.
        if (!panel.visible) {
          this.ready = false;
          this.stopPolling();
        }
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Reads new events soon; called for every event that the run manager receives for this run. */
  requestRefresh(): void {
    if (!this.ready || this.refreshQueued) {
      return;
    }
    this.refreshQueued = true;
    setTimeout(() => {
      this.refreshQueued = false;
      this.refresh();
    }, 0);
  }

  private receive(message: unknown): void {
    if (!isWebviewToHostMessage(message)) {
      this.log('warn', `Results panel of run ${this.runId}: ignored an invalid message from the webview.`);
      return;
    }
    switch (message.type) {
      case 'webview/ready':
        this.sendSnapshot();
        break;
      case 'webview/error':
        this.log('error', `Results panel of run ${this.runId}: the webview reported: ${message.message}`);
        break;
      case 'webview/openRun':
        this.log('warn', `Results panel of run ${this.runId}: ignored webview/openRun, which only the compare panel sends.`);
        break;
    }
  }

  private sendSnapshot(): void {
    this.stopPolling();
    this.ready = true;
    if (this.feed === undefined) {
      this.post({
        type: 'results/error',
        runId: this.runId,
        message: `Run ${this.runId} was not found: no folder of that name is in the workspace's .distill/runs. It may have been deleted.`,
      });
      return;
    }

    this.badLines = 0;
    this.post(this.feed.snapshot());
    const sweep = this.sweepFeed?.poll(true);
    if (sweep !== undefined) {
      this.post(sweep);
    }
    if (!this.feed.finished || this.sweepFeed?.finished === false) {
      this.pollTimer = setInterval(() => this.refresh(), pollIntervalMs);
    }
  }

  private refresh(): void {
    if (!this.ready || this.feed === undefined) {
      return;
    }
    this.feed.poll().forEach((message) => this.post(message));
    const sweep = this.sweepFeed?.poll();
    if (sweep !== undefined) {
      this.post(sweep);
    }
    if (this.feed.finished && this.sweepFeed?.finished !== false) {
      this.stopPolling();
    }
  }

  private reportBadLine(line: number, text: string): void {
    this.badLines += 1;
    if (this.badLines <= loggedBadLines) {
      this.log('warn', `Run ${this.runId}: skipped line ${line} of events.jsonl, which is not a worker event: ${text.slice(0, 200)}`);
    } else if (this.badLines === loggedBadLines + 1) {
      this.log('warn', `Run ${this.runId}: more lines of events.jsonl are not worker events; no more of them are logged.`);
    }
  }

  private post(message: ResultsHostMessage): void {
    if (this.disposed) {
      return;
    }
    this.panel.webview.postMessage(message).then(
      (delivered) => {
        if (!delivered && this.panel.visible) {
          this.log('warn', `Results panel of run ${this.runId}: the webview did not accept ${message.type}.`);
        }
      },
      (error: unknown) => this.log('error', `Results panel of run ${this.runId}: sending ${message.type} failed: ${String(error)}`),
    );
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
    this.ready = false;
    this.stopPolling();
    this.disposables.forEach((disposable) => disposable.dispose());
    this.panel.dispose();
    this.onDispose();
  }
}
