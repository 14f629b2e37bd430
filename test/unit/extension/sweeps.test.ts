// Host-side sweep code without VS Code: the index of sweep folders, the grouping of child runs,
// the tree labels, and SweepSessions with the fake sweep worker.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { createSourceLocalizer } from '../../../src/extension/format';
import { groupSweepRuns, listSweeps } from '../../../src/extension/sweeps/sweepIndex';
import { SweepSessions } from '../../../src/extension/sweeps/sweepSessions';
import { sweepChildLabel, sweepDescription, sweepLabel } from '../../../src/extension/views/sweepLabels';
import type { SweepSummary } from '../../../src/protocol/messages';
import { writeSweepSummary } from '../../../src/sweep/sweepStore';

const l10n = createSourceLocalizer('en');
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
  assert.match(sweepLabel(sweepSummary(), l10n), /^Sweep 2 × 1, /);
  assert.equal(sweepDescription(sweepSummary(), false, l10n), 'best 74 errors (T = 5 · soft 0.9) · baseline 146');
});

test('sweep description while running', () => {
  const running = sweepSummary({ status: 'running' });
  running.children[1].status = 'running';

  assert.equal(sweepDescription({ ...running, teacher: undefined }, true, l10n), 'training the teacher and baseline');
  assert.equal(sweepDescription(running, true, l10n), '1 of 2 done');
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
