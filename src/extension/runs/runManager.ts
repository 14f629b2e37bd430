// Starts runs in worker processes (dist/worker.js, forked with an IPC channel), keeps the runs
// beyond `maxConcurrent` in a queue, and cancels them. When a worker exits without reporting the
// end of its run, the run folder is marked failed or cancelled so that it is not left running.
// Workers that run at once share the cores: each gets its share of wasm threads unless the
// config or the distill.threads setting fixes the count.

import { fork as forkProcess, type ChildProcess, type ForkOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import type { Readable } from 'node:stream';

import { parseConfig } from '../../config/parse';
import { threadsPerWorker } from '../../config/sweep';

import {
  isWorkerEvent,
  type HostErrorReason,
  type HostRequest,
  type RunEpochEvent,
  type RunFinishedEvent,
  type RunPhaseEvent,
  type RunProgressEvent,
  type RunRejectedEvent,
  type RunSummary,
  type WorkerEvent,
} from '../../protocol/messages';
import { Emitter, type Disposable, type Event } from './events';
import { hostErrorText } from './hostErrors';
import { markFinished } from './runIndex';

/** The part of `child_process.fork` that RunManager calls; `fork` itself fits. */
export type ForkFunction = (modulePath: string, args: readonly string[], options: ForkOptions) => ChildProcess;

export interface RunManagerOptions {
  /** Absolute path of dist/worker.js. */
  workerPath: string;
  /** Runs beyond this number wait in a queue. */
  maxConcurrent: number;
  /** Milliseconds between a run/cancel request and killing a worker that has not exited; 5000 by default. */
  cancelGraceMs?: number;
  /** Cores that the workers' wasm threads share; os.availableParallelism() by default. */
  availableCores?: number;
  /** Receives every log line; each names the run id, or the config path before the id is known. */
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Replaces `child_process.fork`, for tests. */
  fork?: ForkFunction;
}

export type RunHandleState = 'queued' | 'running' | 'finished';

export interface RunHandle {
  /** Host-side id, known before the worker assigns `runId`. */
  key: string;
  configPath: string;
  runsDir: string;
  state: RunHandleState;
  queuedAt: Date;
  /** Process id of the worker, once it is forked. */
  pid?: number;
  runId?: string;
  runDir?: string;
  phase?: RunPhaseEvent;
  progress?: RunProgressEvent;
  lastEpoch?: RunEpochEvent;
  cancelRequested: boolean;
}

export interface RunOutcome {
  handle: RunHandle;
  status: 'completed' | 'cancelled' | 'failed' | 'rejected';
  summary?: RunSummary;
  rejection?: RunRejectedEvent;
  /** English text of the error, as stored in summary.json. */
  error?: string;
  /** Code and arguments of an error that the host wrote, for showing it in the UI's language. */
  errorReason?: HostErrorReason;
  /** Last lines (at most 20) of the worker's stdout and stderr, in order. */
  stderrTail: string[];
}

export interface RunRequest {
  /** Absolute path of the config file. */
  configPath: string;
  /** The config as written; it may differ from the file on disk, such as an unsaved editor. */
  configText: string;
  /** Folder that contains the run folders (`<workspace>/.distill/runs`). */
  runsDir: string;
  /** Overrides the config's `backend`. */
  backend?: string;
  /** Source of `backend` that the run's backend line names, e.g. "the distill.defaultBackend setting". */
  backendOption?: string;
  /** Overrides the config's `threads` when positive. */
  threads?: number;
}

/** The wasm threads of a run's worker. */
export interface WorkerThreads {
  /** The `threads` of the worker's start request; undefined keeps the config's own. */
  threads: number | undefined;
  /** The reason for a count that the host chose, for the run's log; undefined when the config or the setting fixes it. */
  reason?: string;
}

export interface ReceivedEvent {
  handle: RunHandle;
  event: WorkerEvent;
}

const defaultCancelGraceMs = 5000;
const outputTailLines = 20;
/** Longer output lines are cut in the log and the tail, such as a printed tensor. */
const maxOutputLineLength = 2000;
/**
 * Milliseconds to wait after a worker's `exit` for its `close` (output streams ended) before the
 * run is ended anyway, in case a leftover process keeps the streams open.
 */
const closeAfterExitMs = 2000;

/**
 * Chooses the wasm threads of a run's worker. A positive `requested` count (the distill.threads
 * setting) or `configThreads` (the config's `threads`) fixes the count. Otherwise each of the
 * `maxConcurrent` workers that may run at once gets max(1, floor(cores / maxConcurrent)) threads,
 * so that together they do not take more threads than there are cores.
 */
export function chooseWorkerThreads(requested: number | undefined, configThreads: number, cores: number, maxConcurrent: number): WorkerThreads {
  if (requested !== undefined && requested > 0) {
    return { threads: requested };
  }
  if (configThreads > 0) {
    return { threads: undefined };
  }
  const threads = threadsPerWorker(cores, maxConcurrent);
  return {
    threads,
    reason:
      `Wasm threads: ${threads}, the ${cores} cores divided by distill.maxConcurrentRuns (${maxConcurrent}), rounded down and at least 1. ` +
      'Set "threads" in the config or the distill.threads setting to choose the count.',
  };
}

interface QueuedRun {
  handle: RunHandle;
  request: RunRequest;
}

interface ActiveRun {
  handle: RunHandle;
  child?: ChildProcess;
  outputTail: string[];
  finished?: RunFinishedEvent;
  rejection?: RunRejectedEvent;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  startError?: Error;
  killTimer?: NodeJS.Timeout;
  endTimer?: NodeJS.Timeout;
  killedAfterCancel: boolean;
  ended: boolean;
  /** Logged once the run id is known. */
  threadsReason?: string;
}

/** The start error of a worker whose script is not built. Its reason gives the build command. */
class WorkerScriptMissingError extends Error {
  constructor(readonly workerPath: string) {
    super(`the worker script ${workerPath} is missing`);
  }
}

function checkMaxConcurrent(value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid maxConcurrent ${value}: use a whole number of runs, 1 or more.`);
  }
  return value;
}

/** Calls `onLine` for each line of a stream's UTF-8 text, the unfinished last one included. */
function readLines(stream: Readable | null, onLine: (line: string) => void, onError: (error: Error) => void): void {
  if (stream === null) {
    return;
  }
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split(/\r?\n/);
    pending = lines.pop() ?? '';
    // A line without a newline for this long is passed on in pieces, so `pending` stays bounded.
    while (pending.length > maxOutputLineLength) {
      lines.push(pending.slice(0, maxOutputLineLength));
      pending = pending.slice(maxOutputLineLength);
    }
    lines.forEach(onLine);
  });
  stream.on('end', () => {
    if (pending !== '') {
      onLine(pending);
      pending = '';
    }
  });
  stream.on('error', onError);
}

function describeExit(run: ActiveRun, wroteOutput: boolean): HostErrorReason {
  if (run.startError instanceof WorkerScriptMissingError) {
    return { code: 'worker-script-missing', path: run.startError.workerPath };
  }
  if (run.startError !== undefined) {
    return { code: 'worker-start-failed', detail: run.startError.message };
  }
  if (run.exit?.signal) {
    return { code: 'worker-killed', signal: run.exit.signal, wroteOutput };
  }
  if (run.exit?.code !== undefined && run.exit.code !== null) {
    return { code: 'worker-exited', exitCode: run.exit.code, wroteOutput };
  }
  return { code: 'worker-stopped', wroteOutput };
}

function isFinalStatus(status: RunSummary['status']): status is 'completed' | 'cancelled' | 'failed' {
  return status === 'completed' || status === 'cancelled' || status === 'failed';
}

export class RunManager {
  private readonly workerPath: string;
  private readonly cancelGraceMs: number;
  private readonly fork: ForkFunction;
  private readonly writeLog: RunManagerOptions['log'];
  private readonly availableCores: number;
  private maxConcurrent: number;

  private readonly queue: QueuedRun[] = [];
  /** Runs with a worker, in start order. */
  private readonly active = new Map<string, ActiveRun>();
  private idleWaiters: (() => void)[] = [];
  private nextKey = 1;
  private disposed = false;

  private readonly changeEmitter: Emitter<void>;
  private readonly eventEmitter: Emitter<ReceivedEvent>;
  private readonly endEmitter: Emitter<RunOutcome>;

  /** Fires when a run is queued, starts, gets its run id, is asked to cancel or ends. */
  readonly onDidChange: Event<void>;
  /** Fires for every valid message from a worker, after the handle is updated. */
  readonly onDidReceiveEvent: Event<ReceivedEvent>;
  /** Fires once per run, queued runs cancelled before they started included. */
  readonly onDidEnd: Event<RunOutcome>;

  constructor(options: RunManagerOptions) {
    this.workerPath = options.workerPath;
    this.maxConcurrent = checkMaxConcurrent(options.maxConcurrent);
    this.cancelGraceMs = options.cancelGraceMs ?? defaultCancelGraceMs;
    this.fork = options.fork ?? forkProcess;
    this.writeLog = options.log;
    this.availableCores = options.availableCores ?? os.availableParallelism();

    // A listener that throws must not leave a run half-ended, so its error is logged instead.
    const logListenerError = (error: unknown): void => {
      this.writeLog('error', `A run listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    };
    this.changeEmitter = new Emitter<void>(logListenerError);
    this.eventEmitter = new Emitter<ReceivedEvent>(logListenerError);
    this.endEmitter = new Emitter<RunOutcome>(logListenerError);
    this.onDidChange = this.changeEmitter.event;
    this.onDidReceiveEvent = this.eventEmitter.event;
    this.onDidEnd = this.endEmitter.event;
  }

  /** Queues a run and starts it at once when fewer than `maxConcurrent` runs are running. */
  start(request: RunRequest): RunHandle {
    if (this.disposed) {
      throw new Error(`Cannot start ${request.configPath}: the run manager is disposed.`);
    }
    const handle: RunHandle = {
      key: `request-${this.nextKey}`,
      configPath: request.configPath,
      runsDir: request.runsDir,
      state: 'queued',
      queuedAt: new Date(),
      cancelRequested: false,
    };
    this.nextKey += 1;
    this.queue.push({ handle, request });

    this.startQueued();
    if (handle.state === 'queued') {
      this.logRun(handle, 'info', `Queued: ${this.active.size} of ${this.maxConcurrent} runs are running, ${this.queue.length} waiting.`);
    }
    this.changeEmitter.fire();
    return handle;
  }

  /**
   * Cancels a run. A queued run is removed and ends as cancelled without a run folder. A running
   * worker gets run/cancel and is killed if it has not exited after `cancelGraceMs`. Returns
   * false when no queued or running run has this key.
   */
  cancel(key: string): boolean {
    const index = this.queue.findIndex((entry) => entry.handle.key === key);
    if (index !== -1) {
      const [{ handle }] = this.queue.splice(index, 1);
      handle.cancelRequested = true;
      handle.state = 'finished';
      this.logRun(handle, 'info', 'Cancelled before it started.');
      this.endEmitter.fire({ handle, status: 'cancelled', error: 'Cancelled before it started.', stderrTail: [] });
      this.changeEmitter.fire();
      this.resolveIdleWaiters();
      return true;
    }

    const run = this.active.get(key);
    if (run === undefined) {
      return false;
    }
    if (run.handle.cancelRequested) {
      return true;
    }
    run.handle.cancelRequested = true;
    this.logRun(run.handle, 'info', `Cancel requested; the worker is killed if it has not exited within ${this.cancelGraceMs} ms.`);
    this.send(run, { type: 'run/cancel' });
    run.killTimer = setTimeout(() => this.killAfterCancel(run), this.cancelGraceMs);
    this.changeEmitter.fire();
    return true;
  }

  /** Returns the running runs in start order, then the queued runs in queue order. */
  handles(): RunHandle[] {
    return [...[...this.active.values()].map((run) => run.handle), ...this.queue.map((entry) => entry.handle)];
  }

  findByRunId(runId: string): RunHandle | undefined {
    for (const run of this.active.values()) {
      if (run.handle.runId === runId) {
        return run.handle;
      }
    }
    return undefined;
  }

  /** Returns true while a worker of this window runs the run; see isRunLive in runIndex.ts. */
  isTracked(runId: string): boolean {
    return this.findByRunId(runId) !== undefined;
  }

  /** Sets the number of runs that may run at once and starts queued runs that now fit. */
  setMaxConcurrent(value: number): void {
    this.maxConcurrent = checkMaxConcurrent(value);
    const queuedBefore = this.queue.length;
    this.startQueued();
    if (this.queue.length !== queuedBefore) {
      this.changeEmitter.fire();
    }
  }

  /** Resolves once no run is queued or running. */
  whenIdle(): Promise<void> {
    if (this.active.size === 0 && this.queue.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Cancels every queued and running run and disposes the events, which fire no more. Workers
   * that do not stop are still killed after `cancelGraceMs`, and their run folders updated;
   * `whenIdle` resolves when all have exited.
   */
  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    for (const { handle } of [...this.queue]) {
      this.cancel(handle.key);
    }
    for (const key of [...this.active.keys()]) {
      this.cancel(key);
    }
    this.changeEmitter.dispose();
    this.eventEmitter.dispose();
    this.endEmitter.dispose();
  }

  private logRun(handle: RunHandle, level: 'info' | 'warn' | 'error', message: string): void {
    try {
      this.writeLog(level, `[${handle.runId ?? handle.configPath}] ${message}`);
    } catch {
      // The log's target, such as an output channel, may be disposed while workers shut down.
    }
  }

  private startQueued(): void {
    while (this.active.size < this.maxConcurrent && this.queue.length > 0) {
      const entry = this.queue.shift() as QueuedRun;
      this.launch(entry);
    }
  }

  private launch({ handle, request }: QueuedRun): void {
    handle.state = 'running';
    const run: ActiveRun = { handle, outputTail: [], killedAfterCancel: false, ended: false };
    this.active.set(handle.key, run);

    // A worker that cannot start ends on a later tick, so that start() returns its handle first.
    if (!existsSync(this.workerPath)) {
      run.startError = new WorkerScriptMissingError(this.workerPath);
      setImmediate(() => this.end(run));
      return;
    }
    let child: ChildProcess;
    try {
      // An empty execArgv keeps the extension host's own Node flags, such as --inspect, from the worker.
      child = this.fork(this.workerPath, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: [] });
    } catch (error) {
      run.startError = error instanceof Error ? error : new Error(String(error));
      setImmediate(() => this.end(run));
      return;
    }
    run.child = child;
    handle.pid = child.pid;

    const onOutputError = (error: Error): void => this.logRun(handle, 'warn', `Reading the worker's output failed: ${error.message}`);
    readLines(child.stdout, (line) => this.receiveOutput(run, line), onOutputError);
    readLines(child.stderr, (line) => this.receiveOutput(run, line), onOutputError);
    child.on('message', (message: unknown) => this.receive(run, message));
    child.on('error', (error) => this.receiveError(run, error));
    child.on('exit', (code, signal) => {
      run.exit = { code, signal };
      this.scheduleEnd(run);
    });
    child.on('close', (code, signal) => {
      run.exit ??= { code, signal };
      this.end(run);
    });

    this.logRun(handle, 'info', `Started worker pid ${child.pid ?? 'unknown'}.`);
    const { threads, reason } = this.chooseThreads(request);
    run.threadsReason = reason;
    this.send(run, { type: 'run/start', configText: request.configText, configPath: request.configPath, runsDir: request.runsDir, backend: request.backend, backendOption: request.backendOption, threads });
  }

  /**
   * Chooses the worker's wasm threads with chooseWorkerThreads. A run on the tensorflow or cpu
   * backend keeps the request's count, which it does not use. An invalid config counts as one
   * without `threads`; the worker rejects it.
   */
  private chooseThreads(request: RunRequest): WorkerThreads {
    const config = parseConfig(request.configText, request.configPath).config;
    const backend = request.backend ?? config?.backend;
    if (backend === 'tensorflow' || backend === 'cpu') {
      return { threads: request.threads };
    }
    return chooseWorkerThreads(request.threads, config?.threads ?? 0, this.availableCores, this.maxConcurrent);
  }

  private send(run: ActiveRun, request: HostRequest): void {
    const child = run.child;
    if (child === undefined || !child.connected) {
      this.logRun(run.handle, 'warn', `Could not send ${request.type}: the worker's IPC channel is closed.`);
      return;
    }
    child.send(request, (error) => {
      if (error !== null) {
        this.logRun(run.handle, 'warn', `Sending ${request.type} to the worker failed: ${error.message}`);
      }
    });
  }

  private receiveOutput(run: ActiveRun, line: string): void {
    const text = line.length > maxOutputLineLength ? `${line.slice(0, maxOutputLineLength)}…` : line;
    run.outputTail.push(text);
    if (run.outputTail.length > outputTailLines) {
      run.outputTail.shift();
    }
    this.logRun(run.handle, 'info', `worker: ${text}`);
  }

  private receive(run: ActiveRun, message: unknown): void {
    const handle = run.handle;
    if (run.ended) {
      return;
    }
    if (!isWorkerEvent(message)) {
      this.logRun(handle, 'warn', `Ignored a message from the worker that is not a worker event: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }

    let changed = false;
    switch (message.type) {
      case 'run/started':
        handle.runId = message.runId;
        handle.runDir = message.runDir;
        changed = true;
        if (run.threadsReason !== undefined) {
          this.logRun(handle, 'info', run.threadsReason);
        }
        break;
      case 'run/phase':
        handle.phase = message;
        break;
      case 'run/progress':
        handle.progress = message;
        break;
      case 'run/epoch':
        handle.lastEpoch = message;
        break;
      case 'run/log':
        this.logRun(handle, message.level, message.message);
        break;
      case 'run/finished':
        run.finished = message;
        break;
      case 'run/rejected':
        run.rejection = message;
        break;
      case 'run/evaluation':
        break;
    }

    this.eventEmitter.fire({ handle, event: message });
    if (changed) {
      this.changeEmitter.fire();
    }
  }

  private receiveError(run: ActiveRun, error: Error): void {
    this.logRun(run.handle, 'error', `Worker process error: ${error.message}`);
    // No pid means the process was never created, so no exit or close event may follow.
    if (run.child?.pid === undefined) {
      run.startError = error;
      this.scheduleEnd(run);
    }
  }

  private scheduleEnd(run: ActiveRun): void {
    if (run.endTimer === undefined && !run.ended) {
      run.endTimer = setTimeout(() => this.end(run), closeAfterExitMs);
    }
  }

  private killAfterCancel(run: ActiveRun): void {
    if (run.ended) {
      return;
    }
    run.killedAfterCancel = true;
    this.logRun(run.handle, 'warn', `The worker did not exit within ${this.cancelGraceMs} ms of the cancel request; killing it (SIGKILL).`);
    run.child?.kill('SIGKILL');
    this.scheduleEnd(run);
  }

  private end(run: ActiveRun): void {
    if (run.ended) {
      return;
    }
    run.ended = true;
    clearTimeout(run.killTimer);
    clearTimeout(run.endTimer);
    this.active.delete(run.handle.key);
    run.handle.state = 'finished';

    const outcome = this.describeOutcome(run);
    const level = outcome.status === 'completed' || outcome.status === 'cancelled' ? 'info' : 'error';
    this.logRun(run.handle, level, `Run ${outcome.status}${outcome.error === undefined ? '.' : `: ${outcome.error}`}`);

    this.endEmitter.fire(outcome);
    if (!this.disposed) {
      this.startQueued();
    }
    this.changeEmitter.fire();
    this.resolveIdleWaiters();
  }

  private describeOutcome(run: ActiveRun): RunOutcome {
    const handle = run.handle;
    const stderrTail = [...run.outputTail];
    if (run.finished !== undefined) {
      return { handle, status: run.finished.status, summary: run.finished.summary, error: run.finished.error, stderrTail };
    }
    if (run.rejection !== undefined) {
      return { handle, status: 'rejected', rejection: run.rejection, error: run.rejection.message, stderrTail };
    }

    const status = run.killedAfterCancel ? 'cancelled' : 'failed';
    // The worker's output starts on a new line, so that the first line, which the tree and the
    // notifications show, is a complete sentence.
    const errorReason: HostErrorReason = run.killedAfterCancel
      ? { code: 'cancel-timeout', graceMs: this.cancelGraceMs }
      : describeExit(run, stderrTail.length > 0);
    const error = hostErrorText(errorReason, run.killedAfterCancel ? [] : stderrTail);
    if (handle.runDir === undefined) {
      return { handle, status, error, errorReason, stderrTail };
    }

    let summary: RunSummary | undefined;
    try {
      summary = markFinished(handle.runDir, status, error, errorReason);
    } catch (markError) {
      this.logRun(handle, 'error', `Could not mark ${handle.runDir} ${status}: ${markError instanceof Error ? markError.message : String(markError)}`);
    }
    // A worker killed right after writing its final summary loses only the run/finished message,
    // so the status on disk is kept.
    if (summary !== undefined && isFinalStatus(summary.status) && summary.status !== status) {
      return { handle, status: summary.status, summary, error: summary.error, errorReason: summary.errorReason, stderrTail };
    }
    return { handle, status, summary, error, errorReason, stderrTail };
  }

  private resolveIdleWaiters(): void {
    if (this.active.size > 0 || this.queue.length > 0) {
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }
}
