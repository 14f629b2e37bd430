// Markdown reports of runs, and the README and the list of models that Export offers, on
// summaries and run folders as the worker writes them.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { resolveConfig } from '../../src/config/defaults';
import type { DistillConfig, ModelRole } from '../../src/config/types';
import { readModelInputShape, renderExportReadme } from '../../src/extension/exportReadme';
import { createSourceLocalizer } from '../../src/extension/format';
import { hostErrorText } from '../../src/extension/runs/hostErrors';
import { savedModels } from '../../src/extension/runDetails';
import type { RunRecord } from '../../src/extension/runs/runIndex';
import { gapClosed, renderComparison, renderRunReport } from '../../src/extension/views/report';
import type { ModelEvaluation, RunStatus, RunSummary } from '../../src/protocol/messages';
import { createFrenchLocalizer } from './extension/frenchLocalizer';

const l10n = createSourceLocalizer('en');

function evaluation(role: ModelRole, errors: number, perClassAccuracy: (number | null)[] = [0.99, 0.98, null]): ModelEvaluation {
  return {
    role,
    accuracy: (10000 - errors) / 10000,
    errors,
    examples: 10000,
    perClassAccuracy,
    confusion: [],
    meanSoftened: [],
    parameters: role === 'teacher' ? 2395210 : 1276810,
    trainingSeconds: role === 'teacher' ? 245 : 12.5,
    inferenceMsPerExample: 0.0123,
  };
}

function run(runId: string, status: RunStatus, models: Partial<Record<ModelRole, number>>, extra: Partial<RunRecord> = {}): RunRecord {
  const summary: RunSummary = {
    runId,
    name: 'hinton-mnist',
    configPath: '/work/distill.json',
    status,
    startedAt: '2026-12-04T21:00:00.000Z',
    finishedAt: '2026-12-04T21:30:00.000Z',
    backend: 'wasm',
    temperature: 20,
    classes: 3,
    models: Object.fromEntries(Object.entries(models).map(([role, errors]) => [role, evaluation(role as ModelRole, errors as number)])),
  };
  return {
    runId,
    runDir: `/work/.distill/runs/${runId}`,
    name: summary.name,
    configPath: summary.configPath,
    status,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    summary,
    ...extra,
  };
}

function config(overrides: Record<string, unknown> = {}): DistillConfig {
  return resolveConfig(
    {
      name: 'hinton-mnist',
      teacher: { model: { type: 'mlp', hidden: [1200, 1200] }, train: { epochs: 30 } },
      student: { model: { type: 'mlp', hidden: [800, 800] }, train: { epochs: 20 } },
      distillation: { temperature: 20 },
      ...overrides,
    } as Parameters<typeof resolveConfig>[0],
    '/work/distill.json',
  );
}

test('gap closed by distillation', () => {
  assert.equal(gapClosed(run('a', 'completed', { teacher: 67, distilled: 74, baseline: 146 }).summary), 72 / 79);
  assert.equal(gapClosed(run('a', 'completed', { teacher: 200, distilled: 74, baseline: 146 }).summary), undefined, 'teacher worse than baseline');
  assert.equal(gapClosed(run('a', 'completed', { distilled: 74, baseline: 146 }).summary), undefined);
});

test('run report results table', () => {
  const report = renderRunReport({ record: run('20261204-210000-hinton-mnist', 'completed', { teacher: 67, distilled: 74, baseline: 146 }), config: config() }, l10n);
  const lines = report.split('\n');

  assert.equal(lines[0], '# hinton\\-mnist');
  assert.ok(lines.includes('- Run: `20261204-210000-hinton-mnist`'), report);
  assert.ok(lines.includes('- Status: completed'), report);
  assert.ok(lines.includes('| Model | Test accuracy | Test errors | Parameters | Training time | Inference (ms per example) |'), report);
  assert.ok(lines.includes('| Teacher | 99.33% | 67 of 10,000 | 2,395,210 | 4 min 05 s | 0.0123 |'), report);
  assert.ok(lines.includes('| Distilled student | 99.26% | 74 of 10,000 | 1,276,810 | 12.5 s | 0.0123 |'), report);
  assert.ok(lines.includes('| Baseline student | 98.54% | 146 of 10,000 | 1,276,810 | 12.5 s | 0.0123 |'), report);
  assert.ok(lines.includes('Distillation at T = 20: 72 fewer test errors than the baseline student. It closed 91% of the teacher–baseline gap.'), report);
});

test('run report words each share of the gap', () => {
  const effect = (teacher: number, distilled: number, baseline: number): string | undefined =>
    renderRunReport({ record: run('r1', 'completed', { teacher, distilled, baseline }), config: config() }, l10n)
      .split('\n')
      .find((line) => line.startsWith('Distillation at T = '));

  assert.equal(
    effect(67, 60, 146),
    'Distillation at T = 20: 86 fewer test errors than the baseline student. The distilled student made 7 fewer test errors than the teacher, so it closed all of the teacher–baseline gap and more (109%).',
  );
  assert.equal(
    effect(67, 67, 146),
    'Distillation at T = 20: 79 fewer test errors than the baseline student. The distilled student made as many test errors as the teacher, so it closed all of the teacher–baseline gap.',
  );
  assert.equal(effect(67, 146, 146), 'Distillation at T = 20: as many test errors as the baseline student (146). It closed none of the teacher–baseline gap.');
  assert.equal(effect(67, 150, 146), 'Distillation at T = 20: 4 more test errors than the baseline student. It closed none of the teacher–baseline gap.');
  assert.equal(effect(150, 100, 146), 'Distillation at T = 20: 46 fewer test errors than the baseline student.');
});

test('run report config and per-class sections', () => {
  const report = renderRunReport({ record: run('r1', 'completed', { teacher: 67, distilled: 74, baseline: 146 }), config: config() }, l10n);
  const lines = report.split('\n');

  assert.ok(lines.includes('## Configuration'), report);
  assert.ok(lines.includes('- Teacher: MLP 1200×1200, 30 epochs'), report);
  assert.ok(lines.includes('## Per-class test accuracy'), report);
  assert.ok(lines.includes('| Class | Teacher | Distilled student | Baseline student |'), report);
  assert.ok(lines.includes('| 0 | 99.00% | 99.00% | 99.00% |'), report);
  // Class 2 has no test example: null accuracy.
  assert.ok(lines.includes('| 2 | – | – | – |'), report);
});

test('run report of a failed run', () => {
  const report = renderRunReport({ record: run('r2', 'failed', {}, { error: 'Loss is NaN\nat batch 3' }) }, l10n);
  assert.match(report, /> \*\*Error:\*\* Loss is NaN\n> at batch 3/);
  assert.match(report, /No model has been evaluated yet\./);
  assert.doesNotMatch(report, /## Configuration/);
});

test('run report localizes host errors', () => {
  const errorReason = { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: false } as const;
  const record = run('r2', 'failed', {}, { error: hostErrorText(errorReason), errorReason });

  assert.match(renderRunReport({ record }, l10n), /> \*\*Error:\*\* The worker was killed by signal SIGKILL/);
  const french = renderRunReport({ record }, createFrenchLocalizer());
  assert.doesNotMatch(french, /The worker was killed/);
  assert.match(french, /SIGKILL/);
});

test('run report without summary', () => {
  const { summary: _unused, ...withoutSummary } = run('r3', 'interrupted', {});
  const report = renderRunReport({ record: withoutSummary }, l10n);
  assert.match(report, /No results: summary\.json is missing or unreadable\./);
});

test('loaded teacher has no training time', () => {
  const report = renderRunReport({ record: run('r4', 'completed', { teacher: 67, distilled: 74 }), config: config({ teacher: { load: 'model.json' } }) }, l10n);
  assert.match(report, /\| Teacher \| 99\.33% \| 67 of 10,000 \| 2,395,210 \| loaded \|/);
});

test('comparison puts runs side by side', () => {
  const first = { record: run('20261204-210000-hinton-mnist', 'completed', { teacher: 67, distilled: 74, baseline: 146 }), config: config() };
  const second = { record: run('20261205-090000-hinton-mnist', 'completed', { teacher: 70, distilled: 90, baseline: 150 }), config: config({ distillation: { temperature: 4 } }) };
  const lines = renderComparison([first, second], l10n).split('\n');

  assert.equal(lines[0], '# Comparison of 2 runs');
  assert.ok(lines.includes('|  | hinton\\-mnist<br>`20261204-210000-hinton-mnist` | hinton\\-mnist<br>`20261205-090000-hinton-mnist` |'), lines.join('\n'));
  assert.ok(lines.includes('| Temperature T | 20 | 4 |'), lines.join('\n'));
  assert.ok(lines.includes('| Distilled student: test errors | 74 | 90 |'), lines.join('\n'));
  assert.ok(lines.includes('| Baseline student: test errors | 146 | 150 |'), lines.join('\n'));
  assert.ok(lines.includes('| Teacher–baseline gap closed | 91% | 75% |'), lines.join('\n'));
});

test('comparison without config shows dashes', () => {
  const lines = renderComparison([{ record: run('a', 'completed', { distilled: 1 }) }, { record: run('b', 'completed', {}) }], l10n).split('\n');
  assert.ok(lines.includes('| Temperature T | – | – |'), lines.join('\n'));
  assert.ok(lines.includes('| Distilled student: test errors | 1 | – |'), lines.join('\n'));
});

test('input shape from a tfjs model.json', () => {
  const modelJson = {
    modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 784] } }] } },
  };
  assert.deepEqual(readModelInputShape(modelJson), [null, 784]);
});

test('input shape from a keras model_config', () => {
  const modelJson = { modelTopology: { model_config: { config: { layers: [{ config: { batch_input_shape: [null, 28, 28, 1] } }] } } } };
  assert.deepEqual(readModelInputShape(modelJson), [null, 28, 28, 1]);
});

test('input shape of other layouts', () => {
  assert.equal(readModelInputShape({}), undefined);
  assert.equal(readModelInputShape(undefined), undefined);
  assert.equal(readModelInputShape({ modelTopology: { config: { layers: [{ config: { batch_input_shape: 'x' } }] } } }), undefined);
});

test('export readme describes input and logits', () => {
  const readme = renderExportReadme(
    {
      runId: '20261204-210000-hinton-mnist',
      configName: 'hinton-mnist',
      role: 'distilled',
      config: config(),
      inputShape: [null, 784],
      classes: 10,
      evaluation: evaluation('distilled', 74),
    },
    l10n,
  );
  assert.match(readme, /^# Distilled student · hinton-mnist/);
  assert.match(readme, /- Shape: `\[batch, 784\]`, float32/);
  assert.match(readme, /- Normalization: Divide every input value by 255/);
  assert.match(readme, /- Classes: 10 classes, labelled 0 to 9/);
  assert.match(readme, /The outputs are logits, not probabilities/);
  assert.match(readme, /softmax\(logits \/ T\) with T = 20/);
  assert.match(readme, /- Errors: 74 of 10,000/);
  assert.match(readme, /model\.predict\(tf\.tensor\(inputs, \[count, 784\]\)\)/);
});

test('export readme of a baseline with standard scaling', () => {
  const readme = renderExportReadme(
    { runId: 'r', configName: 'csv', role: 'baseline', config: config({ data: { source: 'mnist', normalization: 'standard' } }) },
    l10n,
  );
  assert.match(readme, /Standardize every feature/);
  assert.match(readme, /- Shape: `unknown`/);
  assert.doesNotMatch(readme, /softmax\(logits \/ T\)/, 'the baseline never saw soft targets');
  assert.doesNotMatch(readme, /## Test results/);
});

test('export readme titles a member model', () => {
  const readme = renderExportReadme({ runId: 'r', configName: 'ensemble-mnist', role: 'teacher', modelLabel: 'Teacher a', config: config() }, l10n);
  assert.match(readme, /^# Teacher a · ensemble-mnist/);
});

test('saved models list adjusted and members', () => {
  const runDir = mkdtempSync(path.join(tmpdir(), 'distill-saved-models-'));
  for (const folder of ['distilled', 'distilled-adjusted', 'baseline', 'teacher-a', 'teacher-c']) {
    mkdirSync(path.join(runDir, 'models', folder), { recursive: true });
    writeFileSync(path.join(runDir, 'models', folder, 'model.json'), '{}');
  }
  // A folder without model.json, as while a model is being saved, is left out.
  mkdirSync(path.join(runDir, 'models', 'teacher-b'), { recursive: true });

  const folders = savedModels(runDir, ['a', 'b', 'c']).map((model) => model.folder);
  assert.deepEqual(folders, ['distilled-adjusted', 'distilled', 'baseline', 'teacher-a', 'teacher-c']);
  const adjusted = savedModels(runDir)[0];
  assert.deepEqual(adjusted, { folder: 'distilled-adjusted', role: 'distilled', adjusted: true });
  assert.deepEqual(savedModels(runDir, ['a'])[3], { folder: 'teacher-a', role: 'teacher', member: 'a' });
});
