// Runs a sweep: one worker process (dist/worker.js) for the shared stage, then one per child run,
// at most `concurrency` at a time, and keeps sweep.json up to date. Both the CLI and the extension
// host use it, so it imports neither TensorFlow.js nor `vscode`.

import { fork as forkProcess, type ChildProcess, type ForkOptions } from 'node:child_process';
import * as os from 'node:os';

import { checkConfigText } from '../config/parse';
import { ConfigError } from '../config/problems';
import { expandSweep, resolveConcurrency, threadsPerWorker } from '../config/sweep';
import type { DistillConfig } from '../config/types';
import {
  isWorkerEvent,
  type RunFinishedEvent,
  type RunRejectedEvent,
  type RunStartRequest,
  type SweepChild,
  type SweepStageRequest,
  type SweepSummary,
  type WorkerEvent,
} from '../protocol/messages';
import { createSweepFolder, sweepsDirFor, writeSweepSummary } from './sweepStore';

export type ForkFunction = (modulePath: string, args: readonly string[], options: ForkOptions) => ChildProcess;

/** The worker of a sweep that sent an event. */
export type SweepEventSource = { stage: 'shared' } | { stage: 'child'; index: number };

export interface SweepRunnerOptions {
  /** Absolute path of dist/worker.js. */
  workerPath: string;
  /** The config as written; it must contain a `sweep`. */
  configText: string;
  /** Absolute path of the config file. */
  configPath: string;
  /** Folder of run folders (`<workspace>/.distill/runs`); the children go there. */
  runsDir: string;
  /** Folder of sweep folders; `<workspace>/.distill/sweeps` by default. */
  sweepsDir?: string;
  /** Overrides the config's `backend`. */
  backend?: string;
  /** Source of `backend` that the children's backend line names, e.g. "--backend". */
  backendOption?: string;
  /** Overrides the config's `threads` when positive; each worker still gets at most its share of the cores. */
  threads?: number;
  /** Cores that `concurrency: 0` uses and that the workers' threads share; os.availableParallelism() by default. */
  availableCores?: number;
  /** Milliseconds between run/cancel and killing a worker that has not exited; 5000 by default. */
  cancelGraceMs?: number;
  /** Starts workers in their own process group, so that a terminal's Ctrl-C reaches only the caller. */
  detachWorkers?: boolean;
  /** Receives every worker event. */
  onEvent?: (source: SweepEventSource, event: WorkerEvent) => void;
  /** Receives the summary after each write of sweep.json. */
  onUpdate?: (summary: SweepSummary) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Replaces `child_process.fork`, for tests. */
  fork?: ForkFunction;
}

export interface SweepOutcome {
  summary: SweepSummary;
  /** Set when the shared stage rejected its input (config, data, teacher model, backend). */
  rejection?: RunRejectedEvent;
}

/** The final events of one worker, or the reason it had none. */
interface WorkerResult {
  finished?: RunFinishedEvent;
  rejection?: RunRejectedEvent;
  /** The reason the worker ended without a final event. */
  failure?: string;
}

interface LiveWorker {
  child: ChildProcess;
  killTimer?: NodeJS.Timeout;
}

const defaultCancelGraceMs = 5000;
const outputTailLines = 10;

/** Returns "T = 5 · soft 0.9", the label of a child in logs and tables. */
export function describeSweepChild(child: Pick<SweepChild, 'temperature' | 'softWeight'>): string {
  return `T = ${child.temperature} · soft ${child.softWeight}`;
}

/**
 * Parses a sweep config as the worker will. Throws ConfigError with every located error, or an
 * Error when the config has no `sweep`. Each warning goes to `warn` as `file:line:column: warning: …`.
 */
export function parseSweepConfig(
  configText: string,
  configPath: string,
  warn: (message: string) => void = () => undefined,
): DistillConfig & { sweep: NonNullable<DistillConfig['sweep']> } {
  const { config, problems: all } = checkConfigText(configText, configPath);
  const errors = all.filter((problem) => problem.severity === 'error');
  if (config === undefined || errors.length > 0) {
    throw new ConfigError(configPath, errors);
  }
  for (const warning of all.filter((problem) => problem.severity === 'warning')) {
    warn(`${configPath}:${warning.line}:${warning.column}: warning: ${warning.message}`);
  }
  if (config.sweep === undefined) {
    throw new Error(`${configPath} has no "sweep" section; start it as a single run instead.`);
  }
  return config as DistillConfig & { sweep: NonNullable<DistillConfig['sweep']> };
}

export class SweepRunner {
  readonly sweepId: string;
  readonly sweepDir: string;
  readonly summary: SweepSummary;

  private readonly options: SweepRunnerOptions;
  private readonly fork: ForkFunction;
  private readonly workers = new Set<LiveWorker>();
  private cancelRequested = false;
  /** Wasm threads of the shared stage's worker, which runs alone. */
  private readonly sharedStageThreads: number;
  /** Wasm threads of each child's worker, `concurrency` of which run at the same time. */
  private readonly childThreads: number;
  /** Cores that the children's threads are a share of, or undefined when the request, not the share, set them. */
  private readonly childSharedCores: number | undefined;

  /** Parses the config and creates the sweep folder; throws as parseSweepConfig does. */
  constructor(options: SweepRunnerOptions) {
    this.options = options;
    this.fork = options.fork ?? forkProcess;
    const config = parseSweepConfig(options.configText, options.configPath, (message) => options.log('warn', message));
    const points = expandSweep(config.sweep);
    const cores = options.availableCores ?? os.availableParallelism();
    const concurrency = Math.min(points.length, resolveConcurrency(config.sweep.concurrency, cores));
    const requestedThreads = options.threads !== undefined && options.threads > 0 ? options.threads : config.threads;
    this.sharedStageThreads = threadsPerWorker(cores, 1, requestedThreads);
    this.childThreads = threadsPerWorker(cores, concurrency, requestedThreads);
    this.childSharedCores = requestedThreads > 0 && requestedThreads <= this.childThreads ? undefined : cores;

    const { sweepId, sweepDir } = createSweepFolder(options.sweepsDir ?? sweepsDirFor(options.runsDir), config.name);
    this.sweepId = sweepId;
    this.sweepDir = sweepDir;
    this.summary = {
      sweepId,
      name: config.name,
      configPath: options.configPath,
      status: 'queued',
      startedAt: new Date().toISOString(),
      temperatures: [...config.sweep.temperature],
      softWeights: [...config.sweep.softWeight],
      concurrency,
      children: points.map((point) => ({ ...point, status: 'queued' })),
      pid: process.pid,
      hostname: os.hostname(),
    };
    this.write();
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  /** Stops every worker at its next batch and starts no more children; the sweep ends as cancelled. */
  cancel(): void {
    if (this.cancelRequested) {
      return;
    }
    this.cancelRequested = true;
    this.options.log('info', `Sweep ${this.sweepId}: cancelling ${this.workers.size} running worker(s).`);
    for (const worker of this.workers) {
      this.stopWorker(worker);
    }
  }

  /** Runs the shared stage, then the children; resolves when every worker has exited. */
  async run(): Promise<SweepOutcome> {
    this.summary.status = 'running';
    this.write();
    this.options.log('info', `Sweep ${this.sweepId} started in ${this.sweepDir}: ${this.summary.children.length} children, ${this.summary.concurrency} at a time, ${this.childThreads} wasm thread(s) each.`);

    const shared = await this.runWorker({ stage: 'shared', sweepId: this.sweepId, sweepDir: this.sweepDir }, { stage: 'shared' }, this.sharedStageThreads);
    const sharedSummary = shared.finished?.summary;
    if (sharedSummary !== undefined) {
      this.summary.teacher = sharedSummary.models.teacher;
      this.summary.baseline = sharedSummary.models.baseline;
    }
    if (shared.finished?.status !== 'completed') {
      const status = this.cancelRequested || shared.finished?.status === 'cancelled' ? 'cancelled' : 'failed';
      const reason = shared.rejection?.message ?? shared.finished?.error ?? shared.failure ?? 'the shared stage did not complete';
      for (const child of this.summary.children) {
        child.status = 'cancelled';
      }
      return { summary: this.finish(status, status === 'failed' ? `The shared stage failed: ${reason}` : undefined), rejection: shared.rejection };
    }

    await this.runChildren();

    if (this.cancelRequested) {
      return { summary: this.finish('cancelled') };
    }
    const failed = this.summary.children.filter((child) => child.status !== 'completed');
    if (failed.length > 0) {
      const list = failed.map((child) => `${describeSweepChild(child)}: ${child.error ?? child.status}`).join('; ');
      return { summary: this.finish('failed', `${failed.length} of ${this.summary.children.length} child runs did not complete: ${list}`) };
    }
    return { summary: this.finish('completed') };
  }

  private async runChildren(): Promise<void> {
    const pending = [...this.summary.children];
    const runNext = async (): Promise<void> => {
      for (let child = pending.shift(); child !== undefined; child = pending.shift()) {
        if (this.cancelRequested) {
          child.status = 'cancelled';
          this.write();
          continue;
        }
        await this.runChild(child);
      }
    };
    await Promise.all(Array.from({ length: this.summary.concurrency }, () => runNext()));
  }

  private async runChild(child: SweepChild): Promise<void> {
    child.status = 'running';
    this.write();
    const membership = { sweepId: this.sweepId, index: child.index, temperature: child.temperature, softWeight: child.softWeight, hardWeight: child.hardWeight };
    const result = await this.runWorker({ stage: 'child', sweepDir: this.sweepDir, membership }, { stage: 'child', index: child.index }, this.childThreads, (event) => {
      if (event.type === 'run/started') {
        child.runId = event.runId;
        this.write();
      } else if (event.type === 'run/evaluation' && event.evaluation.role === 'distilled') {
        child.errors = event.evaluation.errors;
        this.write();
      }
    });

    if (result.finished !== undefined) {
      child.status = result.finished.status;
      if (result.finished.error !== undefined) {
        child.error = result.finished.error;
      }
    } else {
      child.status = this.cancelRequested ? 'cancelled' : 'failed';
      child.error = result.rejection?.message ?? result.failure ?? 'the worker ended without a result';
    }
    if (child.status === 'failed') {
      this.options.log('error', `Sweep ${this.sweepId}: child ${describeSweepChild(child)}${child.runId !== undefined ? ` (run ${child.runId})` : ''} failed: ${child.error}`);
    }
    this.write();
  }

  /** Forks a worker for one stage and resolves with what it reported once it has exited. */
  private runWorker(sweep: SweepStageRequest, source: SweepEventSource, threads: number, onEvent?: (event: WorkerEvent) => void): Promise<WorkerResult> {
    return new Promise((resolve) => {
      const result: WorkerResult = {};
      let child: ChildProcess;
      try {
        // An empty execArgv keeps the caller's Node flags, such as --inspect, from the worker.
        child = this.fork(this.options.workerPath, [], {
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          execArgv: [],
          detached: this.options.detachWorkers === true,
        });
      } catch (error) {
        resolve({ failure: `The worker could not start: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      const worker: LiveWorker = { child };
      this.workers.add(worker);
      const label = source.stage === 'shared' ? 'shared stage' : `child ${source.index}`;

      const tail: string[] = [];
      const collect = (chunk: Buffer | string): void => {
        for (const line of String(chunk).split(/\r?\n/)) {
          if (line.trim() === '') {
            continue;
          }
          tail.push(line.slice(0, 500));
          if (tail.length > outputTailLines) {
            tail.shift();
          }
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);

      child.on('message', (message: unknown) => {
        if (!isWorkerEvent(message)) {
          return;
        }
        if (message.type === 'run/finished') {
          result.finished = message;
        } else if (message.type === 'run/rejected') {
          result.rejection = message;
        }
        onEvent?.(message);
        this.options.onEvent?.(source, message);
      });
      child.on('error', (error) => {
        result.failure ??= `The worker failed: ${error.message}`;
      });
      child.on('close', (code, signal) => {
        this.workers.delete(worker);
        clearTimeout(worker.killTimer);
        if (result.finished === undefined && result.rejection === undefined) {
          const exit = signal !== null ? `was killed by signal ${signal}` : `exited with code ${code}`;
          result.failure ??= `The worker ${exit} before the run ended.${tail.length > 0 ? ` Its last output: ${tail.join(' | ')}` : ''}`;
          this.options.log('error', `Sweep ${this.sweepId}, ${label}: ${result.failure}`);
        }
        resolve(result);
      });

      const request: RunStartRequest = {
        type: 'run/start',
        configText: this.options.configText,
        configPath: this.options.configPath,
        runsDir: this.options.runsDir,
        backend: this.options.backend,
        backendOption: this.options.backendOption,
        threads,
        sharedCores: source.stage === 'child' ? this.childSharedCores : undefined,
        sweep,
      };
      child.send(request);
      this.options.log('info', `Sweep ${this.sweepId}: started the ${label} in worker pid ${child.pid ?? 'unknown'}.`);
      if (this.cancelRequested) {
        this.stopWorker(worker);
      }
    });
  }

  private stopWorker(worker: LiveWorker): void {
    if (worker.child.connected) {
      worker.child.send({ type: 'run/cancel' });
    }
    worker.killTimer ??= setTimeout(() => {
      this.options.log('warn', `Sweep ${this.sweepId}: worker pid ${worker.child.pid ?? 'unknown'} did not stop after run/cancel; killing it.`);
      worker.child.kill();
    }, this.options.cancelGraceMs ?? defaultCancelGraceMs);
  }

  private finish(status: SweepSummary['status'], error?: string): SweepSummary {
    this.summary.status = status;
    this.summary.finishedAt = new Date().toISOString();
    if (error !== undefined) {
      this.summary.error = error;
    }
    this.write();
    // The error is a sentence that ends with its own period.
    const reason = error !== undefined ? `: ${error.replace(/\.$/, '')}` : '';
    this.options.log(status === 'failed' ? 'error' : 'info', `Sweep ${this.sweepId} ${status}${reason}.`);
    return this.summary;
  }

  private write(): void {
    writeSweepSummary(this.sweepDir, this.summary);
    this.options.onUpdate?.(this.summary);
  }
}
