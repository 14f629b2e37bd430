// Reads the run folders under `<workspace>/.distill/runs/` for the experiments tree, separates
// live runs from those whose worker is gone, and records the end of a run whose worker could
// not. The folder layout is described in src/engine/runStore.ts. The worker writes summary.json
// before the first line of events.jsonl, so a live run always has a summary.

import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { readEvents, readSummary, type StoredEvent } from '../../engine/runStore';
import type { HostErrorReason, ModelEvaluation, RunEpochEvent, RunLogEvent, RunStatus, RunSummary } from '../../protocol/messages';
import { hostErrorText, parseHostErrorReason } from './hostErrors';

export interface RunRecord {
  /** The run folder's name, which is also the worker's run id. */
  runId: string;
  runDir: string;
  name: string;
  configPath?: string;
  /** From summary.json, or from events.jsonl when summary.json is missing or unreadable. */
  status: RunStatus;
  startedAt?: string;
  finishedAt?: string;
  /** Undefined when summary.json is missing or unreadable. */
  summary?: RunSummary;
  /** The last run/epoch event in events.jsonl. */
  lastEpoch?: RunEpochEvent;
  /** English text of the error, as stored. */
  error?: string;
  /** Code and arguments of an error that the host wrote, rendered by localizeRunError in hostErrors.ts. */
  errorReason?: HostErrorReason;
}

export interface RunGroup {
  /** The config's `name`, shared by every run in the group. */
  name: string;
  /** Newest first. */
  runs: RunRecord[];
}

const runStatuses: ReadonlySet<string> = new Set<RunStatus>(['queued', 'running', 'completed', 'cancelled', 'failed', 'interrupted']);

/** Statuses of a run whose worker has not reported its end. */
const unfinishedStatuses: ReadonlySet<RunStatus> = new Set<RunStatus>(['queued', 'running']);

/** markFinished may also correct an `interrupted` mark, because the host that ran the worker saw how it ended. */
const finishableStatuses: ReadonlySet<RunStatus> = new Set<RunStatus>(['queued', 'running', 'interrupted']);

/** Bytes read at a time when events.jsonl is scanned backwards. */
const eventScanChunkBytes = 64 * 1024;

function summaryFile(runDir: string): string {
  return path.join(runDir, 'summary.json');
}

function eventsFile(runDir: string): string {
  return path.join(runDir, 'events.jsonl');
}

function isRunSummary(value: unknown): value is RunSummary {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const summary = value as Record<string, unknown>;
  return (
    typeof summary.status === 'string' &&
    runStatuses.has(summary.status) &&
    typeof summary.name === 'string' &&
    typeof summary.models === 'object' &&
    summary.models !== null
  );
}

function readValidSummary(runDir: string): RunSummary | undefined {
  const summary = readSummary(runDir);
  return isRunSummary(summary) ? summary : undefined;
}

function isEpochEvent(event: StoredEvent): event is RunEpochEvent & { time: string } {
  return event.type === 'run/epoch';
}

function tryParseEvent(line: string): StoredEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && 'type' in value ? (value as StoredEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the last event in an events.jsonl file that matches `predicate`, reading the file
 * backwards so that a long run's progress lines are not all parsed. Lines that do not parse,
 * such as a half-written last line, are skipped.
 */
export function findLastEvent<T extends StoredEvent>(
  file: string,
  predicate: (event: StoredEvent) => event is T,
  chunkBytes: number = eventScanChunkBytes,
): T | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch {
    return undefined;
  }

  const matchLine = (bytes: Buffer): T | undefined => {
    const event = tryParseEvent(bytes.toString('utf8'));
    return event !== undefined && predicate(event) ? event : undefined;
  };

  try {
    let position = fstatSync(descriptor).size;
    // `carried` contains the start of a line whose beginning is in the chunk read next. Splitting
    // on the byte 0x0a keeps characters whole because it never occurs inside a multi-byte UTF-8 character.
    let carried = Buffer.alloc(0);
    while (position > 0) {
      const length = Math.min(chunkBytes, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(descriptor, chunk, 0, length, position);
      const buffer = Buffer.concat([chunk, carried]);

      let lineEnd = buffer.length;
      let newline = buffer.lastIndexOf(0x0a, lineEnd - 1);
      while (newline !== -1) {
        const match = matchLine(buffer.subarray(newline + 1, lineEnd));
        if (match !== undefined) {
          return match;
        }
        lineEnd = newline;
        // A negative offset would count from the end of the buffer.
        newline = lineEnd === 0 ? -1 : buffer.lastIndexOf(0x0a, lineEnd - 1);
      }
      carried = buffer.subarray(0, lineEnd);
    }
    return matchLine(carried);
  } finally {
    closeSync(descriptor);
  }
}

function readRunFromEvents(runDir: string, runId: string): RunRecord | undefined {
  const events = readEvents(eventsFile(runDir));
  const started = events.find((event) => event.type === 'run/started');
  if (started === undefined || started.type !== 'run/started') {
    if (!existsSync(summaryFile(runDir))) {
      return undefined;
    }
    const errorReason: HostErrorReason = { code: 'summary-unreadable', runDir };
    return { runId, runDir, name: runId, status: 'interrupted', error: hostErrorText(errorReason), errorReason };
  }

  const finished = events.filter((event) => event.type === 'run/finished').pop();
  const lastEpoch = events.filter(isEpochEvent).pop();
  const configName: unknown = started.config?.name;
  return {
    runId,
    runDir,
    name: typeof configName === 'string' ? configName : runId,
    configPath: started.configPath,
    status: finished?.type === 'run/finished' ? finished.status : 'running',
    startedAt: started.time,
    finishedAt: finished?.time,
    lastEpoch,
    error: finished?.type === 'run/finished' ? finished.error : undefined,
  };
}

/**
 * Reads one run folder. Returns undefined for a folder that is not a run: one with neither
 * summary.json nor a run/started event in events.jsonl.
 */
export function readRun(runDir: string): RunRecord | undefined {
  const runId = path.basename(runDir);
  const summary = readValidSummary(runDir);
  if (summary === undefined) {
    return readRunFromEvents(runDir, runId);
  }
  return {
    runId,
    runDir,
    name: summary.name,
    configPath: summary.configPath,
    status: summary.status,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    summary,
    lastEpoch: findLastEvent(eventsFile(runDir), isEpochEvent),
    error: summary.error,
    // A reason that does not parse, such as one from a newer version, leaves the English text to show.
    errorReason: summary.error === undefined ? undefined : parseHostErrorReason(summary.errorReason),
  };
}

function compareStrings(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

function startTime(record: RunRecord): number {
  const time = record.startedAt === undefined ? Number.NaN : Date.parse(record.startedAt);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** Orders runs newest first by start time, then by run id, which starts with the local start time. */
function compareNewestFirst(a: RunRecord, b: RunRecord): number {
  const byTime = startTime(b) - startTime(a);
  if (byTime !== 0 && !Number.isNaN(byTime)) {
    return byTime;
  }
  return compareStrings(b.runId, a.runId);
}

/**
 * Reads every run folder in `runsDir`, newest first. A missing `runsDir` gives an empty list;
 * other read errors, such as a denied permission, are thrown.
 */
export function listRuns(runsDir: string): RunRecord[] {
  let entries;
  try {
    entries = readdirSync(runsDir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [];
    }
    throw error;
  }

  const records: RunRecord[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) {
      continue;
    }
    const record = readRun(path.join(runsDir, entry.name));
    if (record !== undefined) {
      records.push(record);
    }
  }
  return records.sort(compareNewestFirst);
}

/** Groups runs by config name. Groups are ordered by their newest run, and runs newest first. */
export function groupRuns(runs: RunRecord[]): RunGroup[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const group = groups.get(run.name);
    if (group === undefined) {
      groups.set(run.name, [run]);
    } else {
      group.push(run);
    }
  }

  const result = [...groups].map(([name, members]) => ({ name, runs: [...members].sort(compareNewestFirst) }));
  return result.sort((a, b) => compareNewestFirst(a.runs[0], b.runs[0]) || compareStrings(a.name, b.name));
}

/** Returns true when a process with this id exists; EPERM means it exists but belongs to another user. */
export function isProcessAlive(pid: number): boolean {
  // 0 and negative ids address process groups, not one process.
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Returns true when the run has not ended and a worker is still running it: one tracked by this
 * window's RunManager, or the process recorded in summary.json on this host.
 * NOTE: a dead worker's pid reused by an unrelated process counts as alive.
 */
export function isRunLive(
  record: RunRecord,
  isTracked: (runId: string) => boolean,
  isProcessAliveOnHost: (pid: number) => boolean = isProcessAlive,
): boolean {
  if (!unfinishedStatuses.has(record.status)) {
    return false;
  }
  if (isTracked(record.runId)) {
    return true;
  }
  const pid = record.summary?.pid;
  return pid !== undefined && record.summary?.hostname === os.hostname() && isProcessAliveOnHost(pid);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds a summary from events.jsonl for a run whose summary.json is missing or unreadable. */
function summaryFromEvents(runDir: string, runId: string): RunSummary | undefined {
  const events = readEvents(eventsFile(runDir));
  const started = events.find((event) => event.type === 'run/started');
  if (started === undefined || started.type !== 'run/started') {
    return undefined;
  }

  const models: RunSummary['models'] = {};
  const members: ModelEvaluation[] = [];
  let classes: number | undefined;
  for (const event of events) {
    if (event.type === 'run/evaluation') {
      const evaluation: ModelEvaluation = event.evaluation;
      classes = evaluation.perClassAccuracy.length;
      if (evaluation.member !== undefined) {
        // An ensemble member has the teacher's role, so it must not replace the ensemble's evaluation.
        members.push(evaluation);
      } else {
        models[evaluation.role] = evaluation;
      }
    }
  }
  const teacher: unknown = started.config?.teacher;
  const combine = isRecord(teacher) && teacher.kind === 'ensemble' && (teacher.combine === 'arithmetic' || teacher.combine === 'geometric') ? teacher.combine : undefined;
  const finished = events.filter((event) => event.type === 'run/finished').pop();
  const configName: unknown = started.config?.name;
  const temperature: unknown = started.config?.distillation?.temperature;
  return {
    runId,
    name: typeof configName === 'string' ? configName : runId,
    configPath: started.configPath,
    status: finished?.type === 'run/finished' ? finished.status : 'running',
    startedAt: started.time,
    finishedAt: finished?.time,
    backend: started.backend,
    // 1, the plain softmax, only when the event lacks the resolved config.
    temperature: typeof temperature === 'number' ? temperature : 1,
    classes,
    models,
    error: finished?.type === 'run/finished' ? finished.error : undefined,
    // Without the config's combine rule the members are left out rather than guessed at.
    ...(combine === undefined ? {} : { ensemble: { combine, members } }),
  };
}

function writeFileAtomically(file: string, contents: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

function endsWithoutNewline(file: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(descriptor).size;
    if (size === 0) {
      return false;
    }
    const last = Buffer.alloc(1);
    readSync(descriptor, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Appends a run/log line to events.jsonl and worker.log. A half-written last line left by a
 * killed worker is ended first, so the new line stays parseable.
 */
function appendRunLog(runDir: string, event: RunLogEvent, time: Date): void {
  const events = eventsFile(runDir);
  const separator = endsWithoutNewline(events) ? '\n' : '';
  appendFileSync(events, `${separator}${JSON.stringify({ time: time.toISOString(), ...event })}\n`);
  appendFileSync(path.join(runDir, 'worker.log'), `${time.toISOString()} [${event.level}] [${event.runId}] ${event.message}\n`);
}

/** An error to record when a run ends: its English text and, for host-written errors, its reason. */
interface EndError {
  text: string;
  reason?: HostErrorReason;
}

/**
 * Rewrites summary.json with the new status, `finishedAt`, `error` and `errorReason`, keeping
 * every other field, and logs the error to the run. A run whose status is not in `endable` is
 * left unchanged and its summary returned.
 */
function endRun(runDir: string, status: RunStatus, error: EndError | undefined, level: RunLogEvent['level'], endable: ReadonlySet<RunStatus>): RunSummary | undefined {
  const runId = path.basename(runDir);
  const current = readValidSummary(runDir) ?? summaryFromEvents(runDir, runId);
  if (current === undefined) {
    return undefined;
  }
  if (!endable.has(current.status)) {
    return current;
  }

  const now = new Date();
  const ended: RunSummary = { ...current, status, finishedAt: now.toISOString() };
  if (error !== undefined) {
    ended.error = error.text;
    // A reason left from an earlier mark would describe another error than the new text.
    if (error.reason === undefined) {
      delete ended.errorReason;
    } else {
      ended.errorReason = error.reason;
    }
  }
  writeFileAtomically(summaryFile(runDir), `${JSON.stringify(ended, null, 2)}\n`);
  appendRunLog(runDir, { type: 'run/log', runId, level, message: error?.text ?? `Run marked ${status}.` }, now);
  return ended;
}

/**
 * Marks a run whose worker is gone as interrupted: rewrites summary.json atomically with status
 * `interrupted`, `finishedAt` = now, `error` = the reason's English text and `errorReason` =
 * reason, keeping every metric already there, and appends a run/log line to events.jsonl. A run
 * that has already ended is left unchanged. Returns the resulting summary, or undefined for a
 * folder that is not a run.
 */
export function markInterrupted(runDir: string, reason: HostErrorReason): RunSummary | undefined {
  return endRun(runDir, 'interrupted', { text: hostErrorText(reason), reason }, 'warn', unfinishedStatuses);
}

/**
 * Marks the run of a worker that the host killed (`cancelled`) or that crashed (`failed`), the
 * same way as markInterrupted. A run that is queued, running or interrupted is changed, one
 * that ended otherwise is left unchanged. `errorReason` is stored next to `error` when given.
 */
export function markFinished(runDir: string, status: 'cancelled' | 'failed', error?: string, errorReason?: HostErrorReason): RunSummary | undefined {
  const endError = error === undefined ? undefined : { text: error, reason: errorReason };
  return endRun(runDir, status, endError, status === 'failed' ? 'error' : 'warn', finishableStatuses);
}

function describeMissingWorker(record: RunRecord): HostErrorReason {
  const pid = record.summary?.pid;
  const hostname = record.summary?.hostname;
  if (pid !== undefined && hostname !== undefined && hostname !== os.hostname()) {
    return { code: 'worker-on-other-host', hostname, pid };
  }
  if (pid !== undefined) {
    return { code: 'worker-gone', pid };
  }
  return { code: 'no-worker' };
}

/**
 * Marks every queued or running run in `runsDir` that has no live worker (see isRunLive) as
 * interrupted, and returns the list of runs afterwards, newest first. Used after a window
 * reload, when runs of the previous window may still be marked running.
 * NOTE: a run started on another host is marked too. If its worker is still alive there, it
 * rewrites summary.json at its next evaluation or at its end.
 */
export function markStaleRunsInterrupted(
  runsDir: string,
  isTracked: (runId: string) => boolean,
  isProcessAliveOnHost: (pid: number) => boolean = isProcessAlive,
): RunRecord[] {
  return listRuns(runsDir).map((record) => {
    if (!unfinishedStatuses.has(record.status) || isRunLive(record, isTracked, isProcessAliveOnHost)) {
      return record;
    }
    markInterrupted(record.runDir, describeMissingWorker(record));
    return readRun(record.runDir) ?? record;
  });
}
