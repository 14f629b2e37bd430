// The sweep of a child run, for its results panel: sweep.json read from the sweeps folder beside
// the runs folder, sent again only when its text changes. No `vscode` import.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { readSummary } from '../../engine/runStore';
import type { SweepSummary } from '../../protocol/messages';
import { isRunId, type ResultsSweepMessage } from '../../protocol/webview';
import { sweepFileName, sweepsDirFor } from '../../sweep/sweepStore';

export class SweepFeed {
  private lastText: string | undefined;
  private lastStatus: SweepSummary['status'] | undefined;

  constructor(
    private readonly runId: string,
    private readonly runDir: string,
  ) {}

  /** True once the sweep has ended, or when the run belongs to none: later polls send nothing new. */
  get finished(): boolean {
    return this.lastStatus === undefined || !(this.lastStatus === 'running' || this.lastStatus === 'queued');
  }

  /** Returns the sweep message when sweep.json changed since the last call; `force` sends it anyway. */
  poll(force = false): ResultsSweepMessage | undefined {
    const sweepId = readSummary(this.runDir)?.sweep?.sweepId;
    // The id comes from a file that anyone could edit, so it must not climb out of the sweeps folder.
    if (!isRunId(sweepId)) {
      this.lastStatus = undefined;
      return undefined;
    }
    const file = path.join(sweepsDirFor(path.dirname(this.runDir)), sweepId, sweepFileName);
    let text: string;
    let sweep: SweepSummary;
    try {
      text = readFileSync(file, 'utf8');
      sweep = JSON.parse(text) as SweepSummary;
    } catch {
      this.lastStatus = undefined;
      return undefined;
    }
    this.lastStatus = sweep.status;
    if (!force && text === this.lastText) {
      return undefined;
    }
    this.lastText = text;
    return { type: 'results/sweep', runId: this.runId, sweep };
  }
}
