// The CLI's final table, rendered from the recorded mnist-quick summary with an ensemble teacher
// and a bias adjustment added.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { describeDistillationEffect, formatEpochLine, renderBiasAdjustment, renderSummaryTable } from '../../src/cli/report';
import type { ModelEvaluation, RunEpochEvent, RunSummary } from '../../src/protocol/messages';

const fixture = path.resolve(__dirname, '..', 'fixtures', 'runs', 'mnist-quick', 'summary.json');

function recordedSummary(): RunSummary {
  return JSON.parse(readFileSync(fixture, 'utf8')) as RunSummary;
}

function withErrors(evaluation: ModelEvaluation, changes: Partial<ModelEvaluation>): ModelEvaluation {
  return { ...evaluation, ...changes };
}

/** Returns the recorded run with an ensemble teacher of two members and a bias adjustment for class 3 added. */
function ensembleSummary(): RunSummary {
  const summary = recordedSummary();
  const teacher = summary.models.teacher as ModelEvaluation;
  const distilled = summary.models.distilled as ModelEvaluation;
  summary.ensemble = {
    combine: 'arithmetic',
    members: [
      withErrors(teacher, { member: 'wide', errors: 251, accuracy: 0.9749, trainingSeconds: 30.5 }),
      withErrors(teacher, { member: 'narrow', errors: 263, accuracy: 0.9737, parameters: 203530, trainingSeconds: 0 }),
    ],
  };
  summary.biasAdjustment = {
    classes: [3],
    offsets: [1.5],
    validationErrorsBefore: 137,
    validationErrorsAfter: 118,
    testErrorsBefore: 429,
    testErrorsAfter: 405,
    classTestErrorsBefore: [98],
    classTestErrorsAfter: [37],
    classTestExamples: [1010],
    evaluation: withErrors(distilled, { errors: 405, accuracy: 0.9595 }),
  };
  return summary;
}

test('plain run has no extra rows', () => {
  const table = renderSummaryTable(recordedSummary(), false);

  assert.match(table, /│ Teacher +│ +97\.66 % │ +234 \/ 10,000 │/);
  assert.doesNotMatch(table, /member|ensemble|bias/i);
  assert.deepEqual(renderBiasAdjustment(recordedSummary()), []);
});

test('ensemble members beside the ensemble', () => {
  const lines = renderSummaryTable(ensembleSummary(), false).split('\n');
  const rowOf = (label: string) => lines.findIndex((line) => line.startsWith(`│ ${label} `));

  const wide = rowOf('Teacher member wide');
  const narrow = rowOf('Teacher member narrow');
  const ensemble = rowOf('Teacher ensemble (arithmetic)');
  assert.ok(wide > 0, lines.join('\n'));
  assert.ok(narrow > wide);
  assert.ok(ensemble > narrow);
  assert.match(lines[wide], /│ +97\.49 % │ +251 \/ 10,000 │ +669,706 │ +30\.5 s │/);
  assert.match(lines[narrow], /│ +263 \/ 10,000 │ +203,530 │ +loaded │/);
  assert.match(lines[ensemble], /│ +234 \/ 10,000 │/);
});

test('bias adjustment rows and lines', () => {
  const text = renderSummaryTable(ensembleSummary(), false);
  const lines = text.split('\n');

  const distilled = lines.findIndex((line) => line.startsWith('│ Distilled student '));
  const adjusted = lines.findIndex((line) => line.startsWith('│ Distilled, bias-adjusted '));
  assert.ok(distilled > 0, text);
  assert.ok(adjusted > distilled, text);
  assert.match(lines[adjusted], /│ +95\.95 % │ +405 \/ 10,000 │ +[\d,]+ │ +— │$/);
  assert.match(lines[distilled], /│ +25\.0 s │$/);
  assert.ok(lines.includes('Bias adjustment (offsets with the fewest validation errors): class 3 +1.5.'), text);
  assert.ok(lines.includes('  Validation errors 137 → 118; test errors 429 → 405.'), text);
  assert.ok(lines.includes('  Test errors on class 3: 98 → 37 of 1010.'), text);
});

test('bias lines for two classes', () => {
  const summary = ensembleSummary();
  const adjustment = summary.biasAdjustment;
  assert.ok(adjustment !== undefined);
  Object.assign(adjustment, {
    classes: [3, 8],
    offsets: [2, -0.5],
    classTestErrorsBefore: [98, 40],
    classTestErrorsAfter: [37, 41],
    classTestExamples: [1010, 974],
  });

  const lines = renderBiasAdjustment(summary);

  assert.equal(lines[0], 'Bias adjustment (offsets with the fewest validation errors): class 3 +2, class 8 -0.5.');
  assert.equal(lines[2], '  Test errors on class 3: 98 → 37 of 1010.');
  assert.equal(lines[3], '  Test errors on class 8: 40 → 41 of 974.');
});

/** Returns the recorded run (T = 4) with the given test errors of each model. */
function summaryWithErrors(teacher: number, distilled: number, baseline: number): RunSummary {
  const summary = recordedSummary();
  const models = summary.models as Required<RunSummary['models']>;
  summary.models = {
    teacher: withErrors(models.teacher, { errors: teacher }),
    distilled: withErrors(models.distilled, { errors: distilled }),
    baseline: withErrors(models.baseline, { errors: baseline }),
  };
  return summary;
}

test('gap partly recovered', () => {
  assert.deepEqual(describeDistillationEffect(recordedSummary()), [
    'Distillation at T = 4: 278 fewer test errors than the baseline.',
    'It recovered 58.8 % of the teacher–baseline gap of 473 test errors.',
  ]);
  assert.ok(renderSummaryTable(recordedSummary(), false).endsWith('It recovered 58.8 % of the teacher–baseline gap of 473 test errors.'));
});

test('distilled student beats teacher', () => {
  assert.deepEqual(describeDistillationEffect(summaryWithErrors(234, 200, 707)), [
    'Distillation at T = 4: 507 fewer test errors than the baseline.',
    'The distilled student made 34 fewer test errors than the teacher, so it recovered all of the teacher–baseline gap of 473 test errors and more (107.2 %).',
  ]);
});

test('distilled student matches teacher', () => {
  assert.equal(
    describeDistillationEffect(summaryWithErrors(234, 234, 707))[1],
    'The distilled student made as many test errors as the teacher, so it recovered all of the teacher–baseline gap of 473 test errors (100.0 %).',
  );
});

test('distilled student worse than baseline', () => {
  assert.deepEqual(describeDistillationEffect(summaryWithErrors(234, 750, 707)), [
    'Distillation at T = 4: 43 more test errors than the baseline.',
    'It recovered none of the teacher–baseline gap of 473 test errors.',
  ]);
});

test('distilled student ties baseline', () => {
  assert.deepEqual(describeDistillationEffect(summaryWithErrors(234, 707, 707)), [
    'Distillation at T = 4: as many test errors as the baseline (707).',
    'It recovered none of the teacher–baseline gap of 473 test errors.',
  ]);
});

test('no gap line without a gap', () => {
  for (const teacherErrors of [707, 800]) {
    const lines = describeDistillationEffect(summaryWithErrors(teacherErrors, 429, 707));
    assert.deepEqual(lines, ['Distillation at T = 4: 278 fewer test errors than the baseline.'], `teacher with ${teacherErrors} errors`);
  }
});

test('counts get thousands separators', () => {
  assert.deepEqual(describeDistillationEffect(summaryWithErrors(800, 3500, 12345)), [
    'Distillation at T = 4: 8,845 fewer test errors than the baseline.',
    'It recovered 76.6 % of the teacher–baseline gap of 11,545 test errors.',
  ]);
});

test('epoch line separates thousands', () => {
  const line = formatEpochLine({
    type: 'run/epoch',
    runId: 'r',
    role: 'teacher',
    epoch: 3,
    epochs: 10,
    loss: 0.25,
    validationAccuracy: 0.975,
    validationLoss: 0.1,
    learningRate: 0.001,
    seconds: 4.2,
    examplesPerSecond: 12345.6,
  });

  assert.equal(line, 'teacher   epoch   3/10 | loss 0.2500 | val acc 97.50 % | 4.2 s | 12,346 ex/s');
});

const distilledEpoch: RunEpochEvent = {
  type: 'run/epoch',
  runId: 'run',
  role: 'distilled',
  epoch: 3,
  epochs: 30,
  loss: 8.2857,
  softLoss: 9.1234,
  softKlDivergence: 0.2411,
  hardLoss: 0.7511,
  validationAccuracy: 0.9512,
  validationLoss: 0.1834,
  learningRate: 0.001,
  seconds: 0.84,
  examplesPerSecond: 3571.4,
};

test('epoch line shows the KL part', () => {
  assert.equal(formatEpochLine(distilledEpoch), 'distilled epoch   3/30 | loss 8.2857 | soft 9.1234 | KL 0.2411 | hard 0.7511 | val acc 95.12 % | 0.8 s | 3,571 ex/s');
});

test('epoch line of a recorded run', () => {
  // Runs recorded before the KL part existed, and the logit-mse loss, have no softKlDivergence.
  const { softKlDivergence: _omitted, ...recorded } = distilledEpoch;
  assert.equal(formatEpochLine(recorded), 'distilled epoch   3/30 | loss 8.2857 | soft 9.1234 | hard 0.7511 | val acc 95.12 % | 0.8 s | 3,571 ex/s');
});

test('epoch line of the kl loss', () => {
  const line = formatEpochLine({ ...distilledEpoch, softLoss: 0.2411 });
  assert.equal(line, 'distilled epoch   3/30 | loss 8.2857 | soft 0.2411 | hard 0.7511 | val acc 95.12 % | 0.8 s | 3,571 ex/s');
});
