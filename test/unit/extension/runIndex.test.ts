// Reads run folders written by hand in a temporary folder, in the layout of src/engine/runStore.ts.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { readEvents, readSummary } from '../../../src/engine/runStore';
import type { HostErrorReason, ModelEvaluation, RunEpochEvent, RunLogEvent, RunSummary } from '../../../src/protocol/messages';
import {
  findLastEvent,
  groupRuns,
  isRunLive,
  listRuns,
  markFinished,
  markInterrupted,
  markStaleRunsInterrupted,
  readRun,
  type RunRecord,
} from '../../../src/extension/runs/runIndex';

const workerGone: HostErrorReason = { code: 'worker-gone', pid: 4242 };
const workerGoneText = 'Marked interrupted: its worker (pid 4242) is no longer running. Metrics written before it stopped are kept.';

function makeRunsDir(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'distill-run-index-')), '.distill', 'runs');
}

function evaluation(role: ModelEvaluation['role'], errors: number): ModelEvaluation {
  return {
    role,
    accuracy: 1 - errors / 100,
    errors,
    examples: 100,
    perClassAccuracy: [0.9, null],
    confusion: [
      [9, 1],
      [0, 0],
    ],
    meanSoftened: [
      [0.6, 0.4],
      [0.5, 0.5],
    ],
    parameters: 4242,
    trainingSeconds: 3.5,
    inferenceMsPerExample: 0.02,
  };
}

function summaryOf(runId: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId,
    name: 'quick',
    configPath: '/workspace/distill.json',
    status: 'completed',
    startedAt: '2026-12-04T10:00:00.000Z',
    finishedAt: '2026-12-04T10:05:00.000Z',
    backend: 'wasm',
    temperature: 4,
    classes: 2,
    models: { teacher: evaluation('teacher', 5), distilled: evaluation('distilled', 9) },
    pid: 999_999,
    hostname: 'elsewhere',
    ...overrides,
  };
}

function epochEvent(runId: string, epoch: number, time: string): object {
  const event: RunEpochEvent = {
    type: 'run/epoch',
    runId,
    role: 'teacher',
    epoch,
    epochs: 10,
    loss: 1 / epoch,
    validationAccuracy: 0.9,
    validationLoss: 0.3,
    learningRate: 0.001,
    seconds: 2,
    examplesPerSecond: 500,
  };
  return { time, ...event };
}

function startedEvent(runId: string, runDir: string, time: string, name = 'early'): object {
  return {
    time,
    type: 'run/started',
    runId,
    runDir,
    backend: 'cpu',
    kernels: [],
    config: { name, distillation: { temperature: 8 } },
    configPath: '/workspace/early.distill.json',
  };
}

interface RunFiles {
  summary?: RunSummary;
  /** Written instead of a summary, as is. */
  summaryText?: string;
  events?: object[];
  /** Appended after the events without a newline, as a worker killed mid-write leaves it. */
  unfinishedLine?: string;
}

function writeRun(runsDir: string, runId: string, files: RunFiles): string {
  const runDir = path.join(runsDir, runId);
  mkdirSync(runDir, { recursive: true });
  if (files.summary !== undefined) {
    writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(files.summary, null, 2));
  }
  if (files.summaryText !== undefined) {
    writeFileSync(path.join(runDir, 'summary.json'), files.summaryText);
  }
  if (files.events !== undefined || files.unfinishedLine !== undefined) {
    const lines = (files.events ?? []).map((event) => `${JSON.stringify(event)}\n`).join('');
    writeFileSync(path.join(runDir, 'events.jsonl'), lines + (files.unfinishedLine ?? ''));
  }
  return runDir;
}

/** Returns the id of a process that has exited, so that no process has it for now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  return child.pid;
}

const halfWrittenEpoch = '{"time":"2026-12-04T10:03:00.000Z","type":"run/epoch","runId":"x","role":"teacher","epoch":3,"epo';

test('listRuns orders runs newest first', () => {
  const runsDir = makeRunsDir();
  writeRun(runsDir, '20261204-100000-quick', { summary: summaryOf('20261204-100000-quick') });
  writeRun(runsDir, '20261204-120000-quick', { summary: summaryOf('20261204-120000-quick', { startedAt: '2026-12-04T12:00:00.000Z' }) });
  // Same start time as the first: the later run id comes first.
  writeRun(runsDir, '20261204-100000-quick-2', { summary: summaryOf('20261204-100000-quick-2') });
  const earlyDir = path.join(runsDir, '20261204-090000-early');
  writeRun(runsDir, '20261204-090000-early', { events: [startedEvent('20261204-090000-early', earlyDir, '2026-12-04T09:00:00.000Z')] });
  mkdirSync(path.join(runsDir, 'not-a-run'));
  writeFileSync(path.join(runsDir, 'not-a-run', 'config.json'), '{}');
  writeFileSync(path.join(runsDir, 'notes.txt'), 'a file, not a folder');

  const runIds = listRuns(runsDir).map((record) => record.runId);

  assert.deepEqual(runIds, ['20261204-120000-quick', '20261204-100000-quick-2', '20261204-100000-quick', '20261204-090000-early']);
});

test('listRuns on a missing folder', () => {
  assert.deepEqual(listRuns(path.join(makeRunsDir(), 'missing')), []);
});

test('readRun skips a half-written last line', () => {
  const runsDir = makeRunsDir();
  const runDir = writeRun(runsDir, 'x', {
    summary: summaryOf('x', { status: 'running', finishedAt: undefined }),
    events: [epochEvent('x', 1, '2026-12-04T10:01:00.000Z'), epochEvent('x', 2, '2026-12-04T10:02:00.000Z')],
    unfinishedLine: halfWrittenEpoch,
  });

  const record = readRun(runDir);

  assert.ok(record !== undefined);
  assert.equal(record.status, 'running');
  assert.equal(record.lastEpoch?.epoch, 2);
  assert.equal(record.name, 'quick');
  assert.equal(record.configPath, '/workspace/distill.json');
  assert.equal(record.summary?.models.teacher?.errors, 5);
});

test('readRun without summary uses run/started', () => {
  const runsDir = makeRunsDir();
  const runDir = path.join(runsDir, 'early');
  writeRun(runsDir, 'early', {
    events: [startedEvent('early', runDir, '2026-12-04T09:00:00.000Z'), epochEvent('early', 1, '2026-12-04T09:01:00.000Z')],
    unfinishedLine: halfWrittenEpoch,
  });

  const record = readRun(runDir);

  assert.ok(record !== undefined);
  assert.equal(record.name, 'early');
  assert.equal(record.status, 'running');
  assert.equal(record.startedAt, '2026-12-04T09:00:00.000Z');
  assert.equal(record.configPath, '/workspace/early.distill.json');
  assert.equal(record.summary, undefined);
  assert.equal(record.lastEpoch?.epoch, 1);
});

test('readRun without summary uses run/finished', () => {
  const runsDir = makeRunsDir();
  const runDir = path.join(runsDir, 'early');
  const finished = { time: '2026-12-04T09:09:00.000Z', type: 'run/finished', runId: 'early', status: 'failed', error: 'Out of memory.', summary: summaryOf('early') };
  writeRun(runsDir, 'early', { events: [startedEvent('early', runDir, '2026-12-04T09:00:00.000Z'), finished] });

  const record = readRun(runDir);

  assert.equal(record?.status, 'failed');
  assert.equal(record?.error, 'Out of memory.');
  assert.equal(record?.finishedAt, '2026-12-04T09:09:00.000Z');
});

test('readRun with an unreadable summary', () => {
  const runsDir = makeRunsDir();
  const brokenDir = writeRun(runsDir, 'broken', { summaryText: '{"status": "run' });
  const wrongShapeDir = path.join(runsDir, 'wrong-shape');
  writeRun(runsDir, 'wrong-shape', { summaryText: '[1, 2]', events: [startedEvent('wrong-shape', wrongShapeDir, '2026-12-04T09:00:00.000Z')] });

  const broken = readRun(brokenDir);
  const wrongShape = readRun(wrongShapeDir);

  assert.equal(broken?.status, 'interrupted');
  assert.match(broken?.error ?? '', /summary\.json .* is unreadable/);
  assert.deepEqual(broken?.errorReason, { code: 'summary-unreadable', runDir: brokenDir });
  assert.equal(wrongShape?.summary, undefined);
  assert.equal(wrongShape?.name, 'early');
});

test('readRun on a folder that is not a run', () => {
  const runsDir = makeRunsDir();
  const runDir = writeRun(runsDir, 'empty', { events: [{ time: '2026-12-04T09:00:00.000Z', type: 'run/log', runId: '', level: 'info', message: 'hello' }] });

  assert.equal(readRun(runDir), undefined);
  assert.equal(readRun(path.join(runsDir, 'missing')), undefined);
});

test('findLastEvent across chunk boundaries', () => {
  const runsDir = makeRunsDir();
  const events = [
    epochEvent('x', 1, '2026-12-04T10:01:00.000Z'),
    epochEvent('x', 2, '2026-12-04T10:02:00.000Z'),
    // Multi-byte characters, which a chunk boundary may split.
    { time: '2026-12-04T10:02:30.000Z', type: 'run/log', runId: 'x', level: 'info', message: 'température ✓ 温度' },
  ];
  const runDir = writeRun(runsDir, 'x', { events, unfinishedLine: halfWrittenEpoch });
  const file = path.join(runDir, 'events.jsonl');
  const isEpoch = (event: { type: string }): event is RunEpochEvent & { time: string } => event.type === 'run/epoch';
  const isLog = (event: { type: string }): event is RunLogEvent & { time: string } => event.type === 'run/log';

  for (const chunkBytes of [1, 2, 7, 100, 65_536]) {
    assert.equal(findLastEvent(file, isEpoch, chunkBytes)?.epoch, 2, `epoch with ${chunkBytes}-byte chunks`);
    assert.deepEqual(findLastEvent(file, isLog, chunkBytes), events[2], `log with ${chunkBytes}-byte chunks`);
  }
  assert.equal(findLastEvent(path.join(runDir, 'missing.jsonl'), isEpoch), undefined);
});

test('groupRuns by config name', () => {
  const record = (runId: string, name: string, startedAt: string): RunRecord => ({ runId, runDir: `/runs/${runId}`, name, status: 'completed', startedAt });
  // Neither in time order nor in group order.
  const runs = [
    record('b1', 'beta', '2026-12-04T09:00:00.000Z'),
    record('c1', 'gamma', '2026-12-04T07:00:00.000Z'),
    record('a1', 'alpha', '2026-12-04T08:00:00.000Z'),
    record('a2', 'alpha', '2026-12-04T10:00:00.000Z'),
  ];

  const groups = groupRuns(runs);

  assert.deepEqual(
    groups.map((group) => group.name),
    ['alpha', 'beta', 'gamma'],
  );
  assert.deepEqual(
    groups[0].runs.map((run) => run.runId),
    ['a2', 'a1'],
  );
  assert.deepEqual(groupRuns([]), []);
});

test('isRunLive cases', async () => {
  const thisHost = os.hostname();
  const deadWorkerPid = await deadPid();
  const record = (status: RunSummary['status'], pid: number | undefined, hostname: string): RunRecord => {
    const summary = summaryOf('r', { status, pid, hostname });
    return { runId: 'r', runDir: '/runs/r', name: 'quick', status, summary };
  };
  const tracked = (runId: string): boolean => runId === 'r';
  const untracked = (): boolean => false;

  assert.equal(isRunLive(record('running', deadWorkerPid, thisHost), tracked), true, 'tracked by this window');
  assert.equal(isRunLive(record('queued', deadWorkerPid, thisHost), tracked), true, 'queued and tracked');
  assert.equal(isRunLive(record('running', process.pid, thisHost), untracked), true, 'worker alive on this host');
  assert.equal(isRunLive(record('running', deadWorkerPid, thisHost), untracked), false, 'worker gone');
  assert.equal(isRunLive(record('running', process.pid, 'elsewhere'), untracked), false, 'other host');
  assert.equal(isRunLive(record('running', undefined, thisHost), untracked), false, 'no pid');
  assert.equal(isRunLive(record('completed', process.pid, thisHost), tracked), false, 'ended');
  assert.equal(isRunLive(record('running', 4242, thisHost), untracked, () => true), true, 'injected liveness check');
});

test('markInterrupted keeps every metric', () => {
  const runsDir = makeRunsDir();
  const before = summaryOf('x', { status: 'running', finishedAt: undefined });
  const runDir = writeRun(runsDir, 'x', { summary: before, events: [epochEvent('x', 1, '2026-12-04T10:01:00.000Z')], unfinishedLine: halfWrittenEpoch });

  const returned = markInterrupted(runDir, workerGone);

  const after = readSummary(runDir);
  assert.ok(after !== undefined);
  assert.deepEqual(returned, after);
  assert.equal(after.status, 'interrupted');
  assert.equal(after.error, workerGoneText);
  assert.deepEqual(after.errorReason, workerGone);
  assert.ok(after.finishedAt !== undefined);
  assert.ok(!Number.isNaN(Date.parse(after.finishedAt)), `finishedAt ${after.finishedAt}`);
  const { status: _status, error: _error, errorReason: _errorReason, finishedAt: _finishedAt, ...unchanged } = after;
  const { status: _statusBefore, error: _errorBefore, finishedAt: _finishedAtBefore, ...unchangedBefore } = before;
  assert.deepEqual(unchanged, unchangedBefore);

  // The half-written line is ended, so the appended run/log line stays readable.
  const badLines: number[] = [];
  const events = readEvents(path.join(runDir, 'events.jsonl'), (line) => badLines.push(line));
  assert.deepEqual(badLines, [2]);
  const last = events[events.length - 1];
  assert.equal(last.type, 'run/log');
  assert.ok(last.type === 'run/log');
  assert.equal(last.level, 'warn');
  assert.equal(last.message, workerGoneText);
  assert.ok(readFileSync(path.join(runDir, 'worker.log'), 'utf8').includes(`[warn] [x] ${workerGoneText}`));
});

test('markInterrupted leaves an ended run', () => {
  const runsDir = makeRunsDir();
  const runDir = writeRun(runsDir, 'x', { summary: summaryOf('x'), events: [epochEvent('x', 1, '2026-12-04T10:01:00.000Z')] });
  const summaryBefore = readFileSync(path.join(runDir, 'summary.json'), 'utf8');
  const eventsBefore = readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');

  const returned = markInterrupted(runDir, workerGone);

  assert.equal(returned?.status, 'completed');
  assert.equal(readFileSync(path.join(runDir, 'summary.json'), 'utf8'), summaryBefore);
  assert.equal(readFileSync(path.join(runDir, 'events.jsonl'), 'utf8'), eventsBefore);
});

test('markInterrupted without summary uses events', () => {
  const runsDir = makeRunsDir();
  const runDir = path.join(runsDir, 'early');
  writeRun(runsDir, 'early', {
    events: [
      startedEvent('early', runDir, '2026-12-04T09:00:00.000Z'),
      { time: '2026-12-04T09:02:00.000Z', type: 'run/evaluation', runId: 'early', evaluation: evaluation('teacher', 7) },
    ],
  });

  const summary = markInterrupted(runDir, workerGone);

  assert.deepEqual(readSummary(runDir), summary);
  assert.equal(summary?.status, 'interrupted');
  assert.equal(summary?.name, 'early');
  assert.equal(summary?.startedAt, '2026-12-04T09:00:00.000Z');
  assert.equal(summary?.temperature, 8);
  assert.equal(summary?.classes, 2);
  assert.equal(summary?.models.teacher?.errors, 7);
  assert.equal(markInterrupted(path.join(runsDir, 'missing'), workerGone), undefined);
});

test('markInterrupted keeps ensemble members apart', () => {
  const runsDir = makeRunsDir();
  const runId = '20261205-010000-mnist-ensemble';
  const runDir = path.join(runsDir, runId);
  // The hand-written ensemble run, cut off after the ensemble's evaluation: no summary.json yet.
  const fixtureEvents = readFileSync(path.resolve(__dirname, '../../fixtures/runs/mnist-ensemble/events.jsonl'), 'utf8').trim().split('\n');
  const ensembleEvaluation = fixtureEvents.findIndex((line) => line.includes('"type":"run/evaluation"') && !line.includes('"member"'));
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'events.jsonl'), `${fixtureEvents.slice(0, ensembleEvaluation + 1).join('\n')}\n`);

  const summary = markInterrupted(runDir, workerGone);

  assert.equal(summary?.models.teacher?.errors, 234);
  assert.equal(summary?.models.teacher?.member, undefined);
  assert.equal(summary?.ensemble?.combine, 'arithmetic');
  assert.deepEqual(summary?.ensemble?.members.map((member) => [member.member, member.errors]), [['a', 252], ['b', 263], ['c', 246]]);

  // Cut off before the ensemble's evaluation, the run has no teacher evaluation at all.
  writeFileSync(path.join(runDir, 'events.jsonl'), `${fixtureEvents.slice(0, ensembleEvaluation).join('\n')}\n`);
  rmSync(path.join(runDir, 'summary.json'));
  const early = markInterrupted(runDir, workerGone);
  assert.equal(early?.models.teacher, undefined);
  assert.equal(early?.ensemble?.members.length, 3);
});

test('markFinished replaces interrupted, not completed', () => {
  const runsDir = makeRunsDir();
  const interruptedDir = writeRun(runsDir, 'i', { summary: summaryOf('i', { status: 'interrupted', error: 'Worker gone.' }) });
  const completedDir = writeRun(runsDir, 'c', { summary: summaryOf('c') });

  const failed = markFinished(interruptedDir, 'failed', 'Exit code 1.');
  const completed = markFinished(completedDir, 'cancelled');

  assert.equal(failed?.status, 'failed');
  assert.equal(readSummary(interruptedDir)?.error, 'Exit code 1.');
  assert.equal(completed?.status, 'completed');
  assert.equal(readSummary(completedDir)?.status, 'completed');
  const events = readEvents(path.join(interruptedDir, 'events.jsonl'));
  assert.equal(events.length, 1);
  assert.ok(events[0].type === 'run/log');
  assert.equal(events[0].level, 'error');
});

test('markStaleRunsInterrupted marks only dead runs', async () => {
  const runsDir = makeRunsDir();
  const thisHost = os.hostname();
  const deadWorkerPid = await deadPid();
  writeRun(runsDir, 'dead', { summary: summaryOf('dead', { status: 'running', pid: deadWorkerPid, hostname: thisHost }) });
  writeRun(runsDir, 'alive', { summary: summaryOf('alive', { status: 'running', pid: process.pid, hostname: thisHost }) });
  writeRun(runsDir, 'tracked', { summary: summaryOf('tracked', { status: 'running', pid: deadWorkerPid, hostname: thisHost }) });
  writeRun(runsDir, 'done', { summary: summaryOf('done') });

  const records = markStaleRunsInterrupted(runsDir, (runId) => runId === 'tracked');

  const statuses = Object.fromEntries(records.map((record) => [record.runId, record.status]));
  assert.deepEqual(statuses, { dead: 'interrupted', alive: 'running', tracked: 'running', done: 'completed' });
  assert.equal(readSummary(path.join(runsDir, 'dead'))?.status, 'interrupted');
  assert.match(readSummary(path.join(runsDir, 'dead'))?.error ?? '', new RegExp(`pid ${deadWorkerPid}`));
  assert.deepEqual(readSummary(path.join(runsDir, 'dead'))?.errorReason, { code: 'worker-gone', pid: deadWorkerPid });
  assert.deepEqual(records.find((record) => record.runId === 'dead')?.errorReason, { code: 'worker-gone', pid: deadWorkerPid });
  assert.equal(readSummary(path.join(runsDir, 'alive'))?.status, 'running');
});

test('markFinished stores and clears the reason', () => {
  const runsDir = makeRunsDir();
  const runDir = writeRun(runsDir, 'r', { summary: summaryOf('r', { status: 'interrupted', error: workerGoneText, errorReason: workerGone }) });
  const killed: HostErrorReason = { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: true };

  markFinished(runDir, 'failed', 'The worker was killed by signal SIGKILL before the run ended.', killed);
  assert.deepEqual(readSummary(runDir)?.errorReason, killed);
  assert.deepEqual(readRun(runDir)?.errorReason, killed);

  // An error without a reason must not keep the reason of the error it replaces.
  writeRun(runsDir, 'r', { summary: summaryOf('r', { status: 'interrupted', error: workerGoneText, errorReason: workerGone }) });
  markFinished(runDir, 'failed', 'Exit code 1.');
  assert.equal(readSummary(runDir)?.error, 'Exit code 1.');
  assert.equal(readSummary(runDir)?.errorReason, undefined);
});

test('readRun ignores an unknown reason', () => {
  const runsDir = makeRunsDir();
  const unknownReason = { code: 'from-a-newer-version', pid: 1 } as unknown as HostErrorReason;
  const badArguments = { code: 'worker-gone', pid: 'x' } as unknown as HostErrorReason;
  const unknownDir = writeRun(runsDir, 'u', { summary: summaryOf('u', { status: 'interrupted', error: 'Stored text.', errorReason: unknownReason }) });
  const badDir = writeRun(runsDir, 'b', { summary: summaryOf('b', { status: 'interrupted', error: 'Stored text.', errorReason: badArguments }) });

  assert.equal(readRun(unknownDir)?.errorReason, undefined);
  assert.equal(readRun(unknownDir)?.error, 'Stored text.');
  assert.equal(readRun(badDir)?.errorReason, undefined);
});
