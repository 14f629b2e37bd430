// Host-side sweep code without VS Code: the index of sweep folders, the grouping of child runs,
// the tree labels, and SweepSessions with the fake sweep worker.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { createSourceLocalizer, formatDateTime } from '../../../src/extension/format';
import { createFrenchLocalizer } from './frenchLocalizer';
import { groupSweepRuns, isSweepLive, listSweeps, markStaleSweepsInterrupted, notRunError } from '../../../src/extension/sweeps/sweepIndex';
import { SweepSessions } from '../../../src/extension/sweeps/sweepSessions';
import { sweepChildLabel, sweepDescription, sweepLabel, sweepTooltip } from '../../../src/extension/views/sweepLabels';
import type { RunSummary, SweepSummary } from '../../../src/protocol/messages';
import { readSweepSummary, writeSweepSummary } from '../../../src/sweep/sweepStore';

const l10n = createSourceLocalizer('en');

/** Formats the sweep's start time as the tree does, in this machine's time zone. */
function started(summary: SweepSummary | undefined): string {
  return formatDateTime(summary?.startedAt ?? '', l10n);
}
const fakeWorker = path.resolve(__dirname, '..', '..', 'fixtures', 'workers', 'fake-sweep-worker.js');

function sweepSummary(overrides: Partial<SweepSummary> = {}): SweepSummary {
  return {
    sweepId: '20261204-120000-quick',
    name: 'quick',
    configPath: '/w/distill.json',
    status: 'completed',
    startedAt: '2026-12-04T12:00:00.000Z',
    temperatures: [2, 5],
    softWeights: [0.9],
    concurrency: 2,
    children: [
      { index: 0, temperature: 2, softWeight: 0.9, hardWeight: 0.1, status: 'completed', runId: 'a', errors: 80 },
      { index: 1, temperature: 5, softWeight: 0.9, hardWeight: 0.1, status: 'completed', runId: 'b', errors: 74 },
    ],
    teacher: { role: 'teacher', accuracy: 0.98, errors: 60, examples: 1000, perClassAccuracy: [], confusion: [], meanSoftened: [], parameters: 1, trainingSeconds: 1, inferenceMsPerExample: 0 },
    baseline: { role: 'baseline', accuracy: 0.85, errors: 146, examples: 1000, perClassAccuracy: [], confusion: [], meanSoftened: [], parameters: 1, trainingSeconds: 1, inferenceMsPerExample: 0 },
    ...overrides,
  };
}

test('listSweeps reads newest first', () => {
  const sweepsDir = mkdtempSync(path.join(tmpdir(), 'distill-sweeps-'));
  for (const [sweepId, startedAt] of [
    ['older', '2026-12-01T00:00:00.000Z'],
    ['newer', '2026-12-03T00:00:00.000Z'],
  ]) {
    mkdirSync(path.join(sweepsDir, sweepId));
    writeSweepSummary(path.join(sweepsDir, sweepId), sweepSummary({ sweepId, startedAt }));
  }
  mkdirSync(path.join(sweepsDir, 'unreadable'));
  writeFileSync(path.join(sweepsDir, 'unreadable', 'sweep.json'), '{');

  assert.deepEqual(
    listSweeps(sweepsDir).map((sweep) => sweep.sweepId),
    ['newer', 'older'],
  );
  assert.deepEqual(listSweeps(path.join(sweepsDir, 'absent')), []);
});

/** Returns the id of a process that has exited, so that no process has it for now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  return child.pid;
}

/**
 * Returns a sweep of four children stopped mid-way: one completed, one running whose run folder
 * has ended (see writeStoppedSweeps), one running whose run folder is missing, one never started.
 */
function stoppedSweep(sweepId: string, orchestrator: Pick<SweepSummary, 'pid' | 'hostname'>): SweepSummary {
  return sweepSummary({
    sweepId,
    status: 'running',
    temperatures: [1, 2, 3, 4],
    children: [
      { index: 0, temperature: 1, softWeight: 0.9, hardWeight: 0.1, status: 'completed', runId: `${sweepId}-0`, errors: 80 },
      { index: 1, temperature: 2, softWeight: 0.9, hardWeight: 0.1, status: 'running', runId: `${sweepId}-1` },
      { index: 2, temperature: 3, softWeight: 0.9, hardWeight: 0.1, status: 'running', runId: `${sweepId}-2` },
      { index: 3, temperature: 4, softWeight: 0.9, hardWeight: 0.1, status: 'queued' },
    ],
    ...orchestrator,
  });
}

/** Writes `<workspace>/.distill/{sweeps,runs}` with one stopped sweep per entry; child 1's run folder ended cancelled. */
function writeStoppedSweeps(sweeps: SweepSummary[]): { sweepsDir: string; runsDir: string } {
  const distillDir = path.join(mkdtempSync(path.join(tmpdir(), 'distill-stale-sweeps-')), '.distill');
  const sweepsDir = path.join(distillDir, 'sweeps');
  const runsDir = path.join(distillDir, 'runs');
  for (const sweep of sweeps) {
    mkdirSync(path.join(sweepsDir, sweep.sweepId), { recursive: true });
    writeSweepSummary(path.join(sweepsDir, sweep.sweepId), sweep);
    const runId = `${sweep.sweepId}-1`;
    const run: RunSummary = {
      runId,
      name: 'quick',
      configPath: '/w/distill.json',
      status: 'cancelled',
      startedAt: '2026-12-04T12:01:00.000Z',
      temperature: 2,
      models: {},
      error: 'Cancelled by its worker.',
    };
    mkdirSync(path.join(runsDir, runId), { recursive: true });
    writeFileSync(path.join(runsDir, runId, 'summary.json'), JSON.stringify(run));
  }
  return { sweepsDir, runsDir };
}

test('stale sweep with dead pid', async () => {
  const pid = await deadPid();
  const { sweepsDir, runsDir } = writeStoppedSweeps([stoppedSweep('dead', { pid, hostname: hostname() })]);

  const { sweeps, marked } = markStaleSweepsInterrupted(sweepsDir, runsDir, () => false);

  assert.deepEqual(marked.map((sweep) => sweep.sweepId), ['dead']);
  const onDisk = readSweepSummary(path.join(sweepsDir, 'dead'));
  assert.deepEqual(onDisk, sweeps[0]);
  assert.equal(onDisk?.status, 'interrupted');
  assert.ok(onDisk?.finishedAt !== undefined, 'finishedAt set');
  assert.match(onDisk?.error ?? '', new RegExp(`pid ${pid}\\) is no longer running`));
  assert.deepEqual(
    onDisk?.children.map((child) => child.status),
    ['completed', 'cancelled', 'interrupted', 'cancelled'],
  );
  assert.equal(onDisk?.children[0].errors, 80);
  assert.equal(onDisk?.children[1].error, 'Cancelled by its worker.');
  assert.equal(onDisk?.children[3].error, notRunError);
  assert.equal(sweepDescription(onDisk, false, l10n), `interrupted, 1 of 4 done, 1 not run · best 80 errors (T = 1 · soft 0.9) · baseline 146 · ${started(onDisk)}`);
  // A sweep is masculine in French (un balayage), unlike a run (une exécution).
  assert.match(sweepDescription(onDisk, false, createFrenchLocalizer()), /^interrompu, 1 sur 4 terminées, 1 non lancées · /);
});

test('stale sweep without pid', () => {
  const { sweepsDir, runsDir } = writeStoppedSweeps([stoppedSweep('old', {})]);

  const { marked } = markStaleSweepsInterrupted(sweepsDir, runsDir, () => false);

  assert.deepEqual(marked.map((sweep) => sweep.sweepId), ['old']);
  assert.match(readSweepSummary(path.join(sweepsDir, 'old'))?.error ?? '', /records no process/);
});

test('live sweeps stay running', async () => {
  const pid = await deadPid();
  const thisHost = hostname();
  const alive = stoppedSweep('alive', { pid: process.pid, hostname: thisHost });
  const otherHost = stoppedSweep('other-host', { pid, hostname: `${thisHost}-elsewhere` });
  const thisWindow = stoppedSweep('this-window', { pid, hostname: thisHost });
  const { sweepsDir, runsDir } = writeStoppedSweeps([alive, otherHost, thisWindow]);
  const tracked = (sweepId: string): boolean => sweepId === 'this-window';

  const { sweeps, marked } = markStaleSweepsInterrupted(sweepsDir, runsDir, tracked);

  assert.deepEqual(marked, []);
  assert.deepEqual(sweeps.map((sweep) => sweep.status), ['running', 'running', 'running']);
  for (const expected of [alive, otherHost, thisWindow]) {
    assert.deepEqual(readSweepSummary(path.join(sweepsDir, expected.sweepId)), expected, `${expected.sweepId} unchanged on disk`);
  }
  assert.equal(isSweepLive(alive, () => false), true, 'live pid');
  assert.equal(isSweepLive(otherHost, () => false), true, 'other host');
  assert.equal(isSweepLive(thisWindow, tracked), true, 'this window');
  assert.equal(isSweepLive(thisWindow, () => false), false, 'dead pid');
  assert.equal(isSweepLive({ ...alive, status: 'completed' }, () => true), false, 'ended');
});

test('child runs group under sweep', () => {
  const runs = [
    { id: 'plain' },
    { id: 'child-1', sweepId: 's1', index: 1 },
    { id: 'child-0', sweepId: 's1', index: 0 },
    { id: 'orphan', sweepId: 'gone', index: 0 },
  ];

  const { plain, groups } = groupSweepRuns(
    runs,
    [sweepSummary({ sweepId: 's1' }), sweepSummary({ sweepId: 'empty' })],
    (run) => run.sweepId,
    (run) => run.index ?? 0,
  );

  assert.deepEqual(plain.map((run) => run.id), ['plain']);
  assert.deepEqual(
    groups.map((group) => [group.sweepId, group.summary !== undefined, group.runs.map((run) => run.id)]),
    [
      ['s1', true, ['child-0', 'child-1']],
      ['empty', true, []],
      ['gone', false, ['orphan']],
    ],
  );
});

test('sweep labels name values and best', () => {
  assert.equal(sweepChildLabel({ temperature: 5, softWeight: 0.9 }, l10n), 'T = 5 · soft 0.9');
  assert.equal(sweepLabel(sweepSummary(), l10n), 'Sweep 2 × 1');
  // The start time comes last, so that a narrow side bar cuts it off before the result.
  assert.equal(sweepDescription(sweepSummary(), false, l10n), `best 74 errors (T = 5 · soft 0.9) · baseline 146 · ${started(sweepSummary())}`);
  assert.equal(
    sweepTooltip(sweepSummary({ error: 'Child 2 failed.' }), l10n),
    `Sweep of 2 temperatures × 1 soft weights\nT: 2, 5\nSoft weights: 0.9\nStarted ${started(sweepSummary())}\n${sweepSummary().configPath}\nChild 2 failed.`,
  );
});

test('sweep description while running', () => {
  const running = sweepSummary({ status: 'running' });
  running.children[1].status = 'running';

  assert.equal(sweepDescription({ ...running, teacher: undefined }, true, l10n), `training the teacher and baseline · ${started(running)}`);
  assert.equal(sweepDescription(running, true, l10n), `1 of 2 done · ${started(running)}`);
  assert.match(sweepDescription({ ...running, status: 'failed' }, false, l10n), /^failed, 1 of 2 done · best 74 errors/);
});

test('sessions cancel a live sweep', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-sweep-sessions-'));
  const configPath = path.join(folder, 'distill.json');
  const sessions = new SweepSessions({ workerPath: fakeWorker, cancelGraceMs: 2000, log: () => undefined });
  const ended = new Promise<SweepSummary>((resolve) => sessions.onDidEnd(({ summary }) => resolve(summary)));

  const runner = sessions.start({
    configPath,
    configText: JSON.stringify({ name: 'fake', sweep: { temperature: [99, 2], softWeight: [0.9], concurrency: 1 } }),
    runsDir: path.join(folder, '.distill', 'runs'),
  });
  assert.ok(sessions.isLive(runner.sweepId), 'live after start');
  assert.equal(path.dirname(runner.sweepDir), path.join(folder, '.distill', 'sweeps'));
  await new Promise<void>((resolve) => {
    const subscription = sessions.onDidChange((summary) => {
      if (summary.children[0].runId !== undefined) {
        subscription.dispose();
        resolve();
      }
    });
  });

  assert.equal(sessions.cancel(runner.sweepId), true);
  const summary = await ended;

  assert.equal(summary.status, 'cancelled');
  assert.equal(sessions.isLive(runner.sweepId), false);
  assert.equal(sessions.cancel(runner.sweepId), false);
  assert.deepEqual(listSweeps(path.join(folder, '.distill', 'sweeps')).map((sweep) => sweep.status), ['cancelled']);
});
