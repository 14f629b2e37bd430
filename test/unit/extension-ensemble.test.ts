// Host text for ensemble teachers and bias-adjusted students: tree rows, tooltips, live progress
// while members train, and the Markdown reports, on the hand-written fixture summaries.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { resolveConfig } from '../../src/config/defaults';
import type { DistillConfig, ModelRole } from '../../src/config/types';
import { createSourceLocalizer } from '../../src/extension/format';
import type { RunRecord } from '../../src/extension/runs/runIndex';
import { describeProgress, describeProgressShort, runFraction, teacherMembers, trainedRoles, type LiveRunState } from '../../src/extension/runProgress';
import { renderComparison, renderRunReport } from '../../src/extension/views/report';
import { evaluatedModels, modelDescription, runDescription, runTooltip } from '../../src/extension/views/runLabels';
import type { RunEpochEvent, RunSummary } from '../../src/protocol/messages';

const l10n = createSourceLocalizer('en');
const runsDir = path.resolve(__dirname, '../fixtures/runs');

function fixtureSummary(folder: string): RunSummary {
  return JSON.parse(readFileSync(path.join(runsDir, folder, 'summary.json'), 'utf8')) as RunSummary;
}

function fixtureConfig(folder: string): DistillConfig {
  return JSON.parse(readFileSync(path.join(runsDir, folder, 'config.json'), 'utf8')) as DistillConfig;
}

function recordOf(summary: RunSummary, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: summary.runId,
    runDir: `/work/.distill/runs/${summary.runId}`,
    name: summary.name,
    configPath: summary.configPath,
    status: summary.status,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    summary,
    ...extra,
  };
}

const ensembleSummary = fixtureSummary('mnist-ensemble');
const biasSummary = fixtureSummary('mnist-omit3');
const ensembleConfig = fixtureConfig('mnist-ensemble');
const members = ['a', 'b', 'c'];
const roles: ModelRole[] = ['teacher', 'distilled', 'baseline'];

function memberProgress(member: string, epoch: number, batch: number): LiveRunState {
  return {
    phase: { type: 'run/phase', runId: 'r', phase: 'teacher', detail: '' },
    progress: { type: 'run/progress', runId: 'r', role: 'teacher', member, epoch, epochs: 5, batch, batches: 100, step: 1, loss: 0.5 },
  };
}

test('tree rows list ensemble and members', () => {
  const models = evaluatedModels(ensembleSummary, l10n);
  assert.deepEqual(
    models.map((model) => [model.kind, model.label, modelDescription(model.evaluation, l10n)]),
    [
      ['model', 'Ensemble teacher (arithmetic mean of 3)', '97.66% · 234 errors'],
      ['member', 'Teacher a', '97.48% · 252 errors'],
      ['member', 'Teacher b', '97.37% · 263 errors'],
      ['member', 'Teacher c', '97.54% · 246 errors'],
      ['model', 'Distilled student', '95.71% · 429 errors'],
      ['model', 'Baseline student', '92.93% · 707 errors'],
    ],
  );
});

test('tree rows add the adjusted student', () => {
  const models = evaluatedModels(biasSummary, l10n);
  assert.deepEqual(
    models.map((model) => [model.kind, model.label, model.evaluation.errors]),
    [
      ['model', 'Teacher', 234],
      ['model', 'Distilled student', 991],
      ['adjusted', 'Distilled student, bias-adjusted', 458],
      ['model', 'Baseline student', 1633],
    ],
  );
});

test('geometric ensemble label', () => {
  const geometric = { ...ensembleSummary, ensemble: { ...ensembleSummary.ensemble!, combine: 'geometric' as const } };
  assert.equal(evaluatedModels(geometric, l10n)[0].label, 'Ensemble teacher (geometric mean of 3)');
});

test('tooltip lists members and adjusted', () => {
  const ensembleTooltip = runTooltip(recordOf(ensembleSummary), ensembleConfig, l10n);
  // Markdown escapes the label's parentheses and hyphens.
  assert.match(ensembleTooltip, /\| Ensemble teacher \\\(arithmetic mean of 3\\\) \| 97\.66% \| 234 \|/);
  assert.match(ensembleTooltip, /\| Teacher b \| 97\.37% \| 263 \|/);
  assert.match(ensembleTooltip, /Teacher: ensemble of 3 members/);
  const biasTooltip = runTooltip(recordOf(biasSummary), undefined, l10n);
  assert.match(biasTooltip, /\| Distilled student, bias\\-adjusted \| 95\.42% \| 458 \|/);
});

test('members of the config', () => {
  assert.deepEqual(teacherMembers(ensembleConfig), members);
  assert.deepEqual(trainedRoles(ensembleConfig), roles);
  const loadedOnly: DistillConfig = { ...ensembleConfig, teacher: { kind: 'ensemble', combine: 'geometric', members: [{ kind: 'load', name: 'x', load: 'x/model.json' }] } };
  assert.deepEqual(teacherMembers(loadedOnly), []);
  assert.deepEqual(trainedRoles(loadedOnly), ['distilled', 'baseline']);
  const single = resolveConfig({ name: 'single' } as Parameters<typeof resolveConfig>[0], '/work/distill.json');
  assert.deepEqual(teacherMembers(single), []);
});

test('progress names the member', () => {
  const state = memberProgress('b', 2, 0);
  // Member b is second of three, so the teacher's share is (1 + 1/5) / 3 done.
  assert.equal(describeProgress(state, roles, l10n, members), 'Teacher b: epoch 2/5 · run 13%');
  assert.equal(describeProgressShort(state, l10n), 'Teacher b 2/5');
  assert.equal(runDescription(recordOf({ ...ensembleSummary, status: 'running' }), state, roles, l10n, members), 'Teacher b: epoch 2/5 · run 13%');
});

test('run fraction splits the teacher share', () => {
  assert.equal(runFraction(memberProgress('a', 1, 0), roles, members), 0);
  assert.equal(runFraction(memberProgress('c', 5, 100), roles, members), 1 / 3);
  assert.ok(Math.abs(runFraction(memberProgress('b', 3, 50), roles, members)! - (1 + 2.5 / 5) / 3 / 3) < 1e-12);
  // Without the member list each member's progress fills the whole teacher share.
  assert.equal(runFraction(memberProgress('b', 5, 100), roles), 1 / 3);
});

test('description from a member epoch on disk', () => {
  const lastEpoch: RunEpochEvent = {
    type: 'run/epoch',
    runId: 'r',
    role: 'teacher',
    member: 'c',
    epoch: 4,
    epochs: 5,
    loss: 1,
    validationAccuracy: 0.9,
    validationLoss: 0.3,
    learningRate: 0.001,
    seconds: 2,
    examplesPerSecond: 1000,
  };
  assert.equal(runDescription(recordOf({ ...ensembleSummary, status: 'running' }, { status: 'running', lastEpoch }), undefined, roles, l10n), 'Teacher c: epoch 4/5');
});

test('report of an ensemble run', () => {
  const report = renderRunReport({ record: recordOf(ensembleSummary), config: ensembleConfig }, l10n);
  const lines = report.split('\n');
  assert.ok(lines.includes('| Ensemble teacher \\(arithmetic mean of 3\\) | 97.66% | 234 of 10,000 | 2,009,118 | 2 min 38 s | 0.3219 |'), report);
  assert.ok(lines.includes('| Teacher a | 97.48% | 252 of 10,000 | 669,706 | 51.2 s | 0.1061 |'), report);
  assert.ok(lines.includes('| Teacher c | 97.54% | 246 of 10,000 | 669,706 | 52.4 s | 0.1085 |'), report);
  assert.ok(lines.includes('The ensemble made 234 test errors, 12 fewer than its best member (c, 246).'), report);
  // The per-class table keeps the ensemble's column only.
  assert.ok(lines.includes('| Class | Ensemble teacher \\(arithmetic mean of 3\\) | Distilled student | Baseline student |'), report);
  assert.doesNotMatch(report, /## Bias adjustment/);
});

test('report of a bias-adjusted run', () => {
  const report = renderRunReport({ record: recordOf(biasSummary), config: fixtureConfig('mnist-omit3') }, l10n);
  const lines = report.split('\n');
  assert.ok(lines.includes('| Distilled student, bias\\-adjusted | 95.42% | 458 of 10,000 | 269,322 | as the distilled student | 0.0398 |'), report);
  assert.ok(lines.includes('## Bias adjustment'), report);
  assert.ok(
    lines.includes(
      'An offset on the output bias of each omitted class, chosen for the fewest validation errors, took the distilled student from 991 to 458 test errors of 10,000 (validation errors: 482 to 229).',
    ),
    report,
  );
  assert.ok(lines.includes('| 3 | +3.5 | 612 → 58 of 1,010 |'), report);
  assert.ok(lines.includes('| Class | Teacher | Distilled student | Distilled student, bias\\-adjusted | Baseline student |'), report);
  assert.ok(lines.includes('| 3 | 97.82% | 39.41% | 94.26% | 0.00% |'), report);
});

test('comparison rows for members and adjusted', () => {
  const lines = renderComparison([{ record: recordOf(ensembleSummary) }, { record: recordOf(biasSummary) }], l10n).split('\n');
  assert.ok(lines.includes('| Teacher: test errors | 234 | 234 |'), lines.join('\n'));
  assert.ok(lines.includes('| Ensemble members: test errors | a 252 · b 263 · c 246 | – |'), lines.join('\n'));
  assert.ok(lines.includes('| Distilled student, bias-adjusted: test errors | – | 458 |'), lines.join('\n'));
});
