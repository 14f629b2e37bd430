// The Sweep tab's model, the host's SweepFeed over real folders, and the message guard.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, test } from 'node:test';

import { SweepFeed } from '../../src/extension/results/sweepFeed';
import type { ModelEvaluation, SweepSummary } from '../../src/protocol/messages';
import { isHostToWebviewMessage } from '../../src/protocol/webview';
import { writeSweepSummary } from '../../src/sweep/sweepStore';
import { setTranslations } from '../../src/webview/l10n';
import { sweepChart, sweepSummaryLine, sweepTable } from '../../src/webview/model/sweep';

function evaluation(role: ModelEvaluation['role'], errors: number): ModelEvaluation {
  return { role, accuracy: 1 - errors / 1000, errors, examples: 1000, perClassAccuracy: [], confusion: [], meanSoftened: [], parameters: 1, trainingSeconds: 1, inferenceMsPerExample: 0 };
}

function sweep(overrides: Partial<SweepSummary> = {}): SweepSummary {
  return {
    sweepId: '20261204-120000-quick',
    name: 'quick',
    configPath: '/w/distill.json',
    status: 'running',
    startedAt: '2026-12-04T12:00:00.000Z',
    temperatures: [5, 1],
    softWeights: [0.5, 0.9],
    concurrency: 2,
    children: [
      { index: 0, temperature: 5, softWeight: 0.5, hardWeight: 0.5, status: 'completed', errors: 40 },
      { index: 1, temperature: 5, softWeight: 0.9, hardWeight: 0.1, status: 'running', errors: 99 },
      { index: 2, temperature: 1, softWeight: 0.5, hardWeight: 0.5, status: 'completed', errors: 60 },
      { index: 3, temperature: 1, softWeight: 0.9, hardWeight: 0.1, status: 'failed', error: 'NaN loss' },
    ],
    teacher: evaluation('teacher', 20),
    baseline: evaluation('baseline', 70),
    ...overrides,
  };
}

test('sweep chart sorts temperatures', () => {
  const chart = sweepChart(sweep());

  assert.deepEqual(
    chart.series.map((series) => series.key),
    ['soft-0.5', 'soft-0.9', 'teacher', 'baseline'],
  );
  assert.deepEqual(chart.columns[0], [1, 5]);
  assert.deepEqual(chart.columns[1], [60, 40]);
  assert.deepEqual(chart.columns[2], [null, null], 'only completed children give points');
  assert.deepEqual(chart.columns[3], [20, 20]);
  assert.deepEqual(chart.columns[4], [70, 70]);
});

test('sweep chart without references', () => {
  const chart = sweepChart(sweep({ teacher: undefined, baseline: undefined }));

  assert.equal(chart.series.length, 2);
  assert.equal(chart.columns.length, 3);
});

test('sweep table shows status cells', () => {
  const table = sweepTable(sweep());

  assert.deepEqual(table.headers, ['T', 'soft weight 0.5', 'soft weight 0.9']);
  assert.deepEqual(table.rows, [
    ['1', '60', 'failed'],
    ['5', '40', 'running'],
  ]);
});

test('sweep table marks fewest errors', () => {
  // The running child's partial 99 errors and the failed child do not count.
  assert.deepEqual(sweepTable(sweep()).best, [{ row: 1, column: 1 }]);
});

test('sweep table marks every tie', () => {
  const tied = sweep();
  tied.children = tied.children.map((child) => (child.index === 2 ? { ...child, errors: 40 } : child));
  assert.deepEqual(sweepTable(tied).best, [
    { row: 0, column: 1 },
    { row: 1, column: 1 },
  ]);
});

test('sweep table without completed children', () => {
  const running = sweep();
  running.children = running.children.map((child) => ({ ...child, status: 'running' as const }));
  assert.deepEqual(sweepTable(running).best, []);
});

afterEach(() => setTranslations({}));

test('sweep table marks children not run', () => {
  const interrupted = sweep({ status: 'interrupted' });
  interrupted.children[1] = { ...interrupted.children[1], status: 'interrupted', runId: '20261204-120001-quick-t5-s0.9' };
  interrupted.children[3] = { ...interrupted.children[3], status: 'cancelled', error: 'Not run: the sweep stopped before this child started.' };

  assert.deepEqual(sweepTable(interrupted).rows, [
    ['1', '60', 'not run'],
    ['5', '40', 'interrupted'],
  ]);
});

test('sweep summary line per status', () => {
  assert.equal(sweepSummaryLine(sweep()), 'Sweep 20261204-120000-quick running: 2 of 4 child runs completed.');
  assert.equal(sweepSummaryLine(sweep({ status: 'interrupted' })), 'Sweep 20261204-120000-quick interrupted: 2 of 4 child runs completed.');

  const bundle = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'l10n', 'bundle.l10n.fr.json'), 'utf8')) as Record<string, string>;
  setTranslations(bundle);
  // A sweep is masculine in French (un balayage), unlike a run (une exécution).
  assert.equal(sweepSummaryLine(sweep({ status: 'interrupted' })), 'Balayage 20261204-120000-quick interrompu : 2 exécutions enfants terminées sur 4.');
  assert.equal(sweepSummaryLine(sweep({ status: 'cancelled' })), 'Balayage 20261204-120000-quick annulé : 2 exécutions enfants terminées sur 4.');
});

test('sweep message passes guard', () => {
  assert.equal(isHostToWebviewMessage({ type: 'results/sweep', runId: 'r', sweep: sweep() }), true);
});

test('sweep feed reads child sweep', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'distill-sweep-feed-'));
  const runDir = path.join(workspace, '.distill', 'runs', 'child');
  const sweepDir = path.join(workspace, '.distill', 'sweeps', '20261204-120000-quick');
  mkdirSync(runDir, { recursive: true });
  mkdirSync(sweepDir, { recursive: true });
  const membership = { sweepId: '20261204-120000-quick', index: 0, temperature: 5, softWeight: 0.5, hardWeight: 0.5 };
  writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify({ runId: 'child', models: {}, status: 'completed', sweep: membership }));
  writeSweepSummary(sweepDir, sweep());
  const feed = new SweepFeed('child', runDir);

  const first = feed.poll(true);
  assert.equal(first?.type, 'results/sweep');
  assert.equal(first?.sweep.sweepId, membership.sweepId);
  assert.equal(feed.finished, false);
  assert.equal(feed.poll(), undefined, 'unchanged sweep.json is not sent again');

  writeSweepSummary(sweepDir, sweep({ status: 'completed' }));
  assert.equal(feed.poll()?.sweep.status, 'completed');
  assert.equal(feed.finished, true);
});

test('sweep feed rejects climbing ids', () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'distill-sweep-feed-'));
  const runDir = path.join(workspace, '.distill', 'runs', 'child');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify({ runId: 'child', models: {}, sweep: { sweepId: '../../..' } }));

  const feed = new SweepFeed('child', runDir);

  assert.equal(feed.poll(true), undefined);
  assert.equal(feed.finished, true);
});

test('plain run has no sweep', () => {
  const runDir = mkdtempSync(path.join(tmpdir(), 'distill-sweep-feed-'));
  writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify({ runId: 'plain', models: {} }));

  assert.equal(new SweepFeed('plain', runDir).poll(true), undefined);
});
