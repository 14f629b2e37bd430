// The sweeps this window runs: one SweepRunner each, by sweep id. Cancel stops every child of a
// sweep. No `vscode` import, so node's test runner can load it.

import type { SweepSummary } from '../../protocol/messages';
import { SweepRunner, type ForkFunction, type SweepOutcome } from '../../sweep/sweepRunner';
import { Emitter, type Event } from '../runs/events';

export interface SweepStartRequest {
  configPath: string;
  configText: string;
  /** `<workspace>/.distill/runs`; the sweep folder goes to the `sweeps` folder beside it. */
  runsDir: string;
  backend?: string;
  /** Source of `backend` that the run's backend line names. */
  backendOption?: string;
  /** Overrides the config's `threads`; each child still gets at most its share of the cores. */
  threads?: number;
}

export interface SweepSessionsOptions {
  workerPath: string;
  cancelGraceMs?: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Replaces `child_process.fork`, for tests. */
  fork?: ForkFunction;
}

export class SweepSessions {
  private readonly runners = new Map<string, SweepRunner>();
  private readonly changeEmitter = new Emitter<SweepSummary>();
  private readonly endEmitter = new Emitter<SweepOutcome>();
  /** Fires after each write of a live sweep's sweep.json. */
  readonly onDidChange: Event<SweepSummary> = this.changeEmitter.event;
  /** Fires once a sweep has ended and all its workers have exited. */
  readonly onDidEnd: Event<SweepOutcome> = this.endEmitter.event;

  constructor(private readonly options: SweepSessionsOptions) {}

  /**
   * Creates the sweep folder and starts the shared stage. Throws ConfigError when the config has
   * errors; the sweep then has no folder.
   */
  start(request: SweepStartRequest): SweepRunner {
    const runner = new SweepRunner({
      workerPath: this.options.workerPath,
      configText: request.configText,
      configPath: request.configPath,
      runsDir: request.runsDir,
      backend: request.backend,
      backendOption: request.backendOption,
      threads: request.threads,
      cancelGraceMs: this.options.cancelGraceMs,
      fork: this.options.fork,
      log: this.options.log,
      onUpdate: (summary) => this.changeEmitter.fire(summary),
    });
    this.runners.set(runner.sweepId, runner);
    void runner.run().then(
      (outcome) => {
        this.runners.delete(runner.sweepId);
        this.endEmitter.fire(outcome);
      },
      (error: unknown) => {
        this.runners.delete(runner.sweepId);
        this.options.log('error', `Sweep ${runner.sweepId} stopped on an internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        this.endEmitter.fire({ summary: runner.summary });
      },
    );
    return runner;
  }

  isLive(sweepId: string): boolean {
    return this.runners.has(sweepId);
  }

  live(): SweepRunner[] {
    return [...this.runners.values()];
  }

  /** Returns false when this window does not run the sweep. */
  cancel(sweepId: string): boolean {
    const runner = this.runners.get(sweepId);
    if (runner === undefined) {
      return false;
    }
    runner.cancel();
    return true;
  }

  /** Cancels every live sweep, such as when the window closes. */
  dispose(): void {
    for (const runner of this.runners.values()) {
      runner.cancel();
    }
  }
}
