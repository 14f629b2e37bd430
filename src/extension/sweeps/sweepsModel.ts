// The sweeps of every workspace folder, read from `<folder>/.distill/sweeps/*/sweep.json`, with
// whether this window runs them. Refreshes come from a file watcher and from SweepSessions. Each
// refresh marks interrupted the sweeps whose orchestrator is gone (see markStaleSweepsInterrupted).

import * as vscode from 'vscode';

import type { SweepSummary } from '../../protocol/messages';
import { sweepsDirFor } from '../../sweep/sweepStore';
import { runsDirFor } from '../runs/configDiscovery';
import { CoalescingTimer } from '../throttle';
import { markStaleSweepsInterrupted } from './sweepIndex';
import type { SweepSessions } from './sweepSessions';

/** Milliseconds between reloads while sweep.json files keep changing. */
const reloadDelayMs = 500;

export class SweepsModel implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changeEmitter.event;
  private summaries: SweepSummary[] = [];
  private readonly reloadTimer = new CoalescingTimer(() => this.reload(), reloadDelayMs);
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly sessions: SweepSessions,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.distill/sweeps/*/sweep.json');
    const scheduleReload = (): void => this.reloadTimer.schedule();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(scheduleReload),
      watcher.onDidChange(scheduleReload),
      watcher.onDidDelete(scheduleReload),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
      sessions.onDidChange(scheduleReload),
      sessions.onDidEnd(() => this.reload()),
    );
    this.reload();
  }

  reload(): void {
    const summaries: SweepSummary[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') {
        continue;
      }
      const runsDir = runsDirFor(folder.uri.fsPath);
      const sweepsDir = sweepsDirFor(runsDir);
      try {
        const { sweeps, marked } = markStaleSweepsInterrupted(sweepsDir, runsDir, (sweepId) => this.sessions.isLive(sweepId));
        for (const summary of marked) {
          this.log.warn(`[${summary.sweepId}] ${summary.error ?? 'Marked interrupted.'}`);
        }
        summaries.push(...sweeps);
      } catch (error) {
        this.log.error(`[${sweepsDir}] Could not read the sweep folders or mark stale sweeps interrupted: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    // A live sweep's latest summary is in memory before the file watcher reports its write.
    const live = new Map(this.sessions.live().map((runner) => [runner.sweepId, runner.summary]));
    this.summaries = summaries.map((summary) => live.get(summary.sweepId) ?? summary);
    this.changeEmitter.fire();
  }

  sweeps(): SweepSummary[] {
    return this.summaries;
  }

  isLive(sweepId: string): boolean {
    return this.sessions.isLive(sweepId);
  }

  dispose(): void {
    this.reloadTimer.dispose();
    this.disposables.forEach((disposable) => disposable.dispose());
    this.changeEmitter.dispose();
  }
}
