// Tree labels, tooltips, CodeLens titles and live progress text of the VS Code extension.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { resolveConfig } from '../../src/config/defaults';
import type { DistillConfig, ModelRole } from '../../src/config/types';
import { createSourceLocalizer } from '../../src/extension/format';
import type { RunRecord } from '../../src/extension/runs/runIndex';
import { describeProgress, describeProgressShort, modelFraction, runFraction, trainedRoles, type LiveRunState } from '../../src/extension/runProgress';
import {
  configHighlights,
  errorsComparison,
  latestRunLensTitle,
  modelDescription,
  runContextValue,
  runDescription,
  runTooltip,
  RUN_STATUS_ICONS,
} from '../../src/extension/views/runLabels';
import type { HostErrorReason, ModelEvaluation, RunPhase, RunStatus, RunSummary } from '../../src/protocol/messages';
import { createFrenchLocalizer } from './extension/frenchLocalizer';

const l10n = createSourceLocalizer('en');
const roles: ModelRole[] = ['teacher', 'distilled', 'baseline'];

function evaluation(role: ModelRole, errors: number): ModelEvaluation {
  return {
    role,
    accuracy: (10000 - errors) / 10000,
    errors,
    examples: 10000,
    perClassAccuracy: [0.99, null],
    confusion: [],
    meanSoftened: [],
    parameters: 1000,
    trainingSeconds: 12.5,
    inferenceMsPerExample: 0.01,
  };
}

function summary(status: RunStatus, models: Partial<Record<ModelRole, number>>): RunSummary {
  return {
    runId: '20261204-210000-hinton-mnist',
    name: 'hinton-mnist',
    configPath: '/work/distill.json',
    status,
    startedAt: '2026-12-04T21:00:00.000Z',
    backend: 'wasm',
    temperature: 20,
    classes: 10,
    models: Object.fromEntries(Object.entries(models).map(([role, errors]) => [role, evaluation(role as ModelRole, errors as number)])),
  };
}

function record(status: RunStatus, models: Partial<Record<ModelRole, number>> = {}, extra: Partial<RunRecord> = {}): RunRecord {
  const runSummary = summary(status, models);
  return {
    runId: runSummary.runId,
    runDir: `/work/.distill/runs/${runSummary.runId}`,
    name: runSummary.name,
    configPath: runSummary.configPath,
    status,
    startedAt: runSummary.startedAt,
    summary: runSummary,
    ...extra,
  };
}

function config(overrides: Record<string, unknown> = {}): DistillConfig {
  return resolveConfig(
    {
      name: 'hinton-mnist',
      teacher: { model: { type: 'mlp', hidden: [1200, 1200] }, train: { epochs: 30 } },
      student: { model: { type: 'mlp', hidden: [800, 800] }, train: { epochs: 20 } },
      distillation: { temperature: 20, softWeight: 0.9, hardWeight: 0.1 },
      ...overrides,
    } as Parameters<typeof resolveConfig>[0],
    '/work/distill.json',
  );
}

function live(phase: RunPhase | undefined, progress?: { role: ModelRole; epoch: number; epochs: number; batch: number; batches: number }): LiveRunState {
  return {
    phase: phase === undefined ? undefined : { type: 'run/phase', runId: 'r', phase, detail: '' },
    progress: progress === undefined ? undefined : { type: 'run/progress', runId: 'r', step: 1, loss: 0.5, ...progress },
  };
}

test('status icons per status', () => {
  assert.equal(RUN_STATUS_ICONS.running, 'sync~spin');
  assert.equal(RUN_STATUS_ICONS.completed, 'pass');
  assert.equal(RUN_STATUS_ICONS.failed, 'error');
  assert.equal(RUN_STATUS_ICONS.cancelled, 'circle-slash');
  assert.equal(RUN_STATUS_ICONS.interrupted, 'warning');
  assert.equal(RUN_STATUS_ICONS.queued, 'clock');
});

test('context values match the menus', () => {
  // package.json's view/item/context menus match /^distill\.run\.(…)$/.
  assert.equal(runContextValue('completed'), 'distill.run.completed');
  assert.match(runContextValue('interrupted'), /^distill\.run\.(running|completed|cancelled|failed|interrupted)$/);
});

test('errors comparison of both students', () => {
  assert.equal(errorsComparison(summary('completed', { teacher: 67, distilled: 74, baseline: 146 }), l10n), '74 vs 146 errors');
  assert.equal(errorsComparison(summary('completed', { distilled: 74 }), l10n), '74 errors');
  assert.equal(errorsComparison(summary('running', { teacher: 67 }), l10n), undefined);
  assert.equal(errorsComparison(undefined, l10n), undefined);
});

test('run description per status', () => {
  assert.equal(runDescription(record('completed', { distilled: 74, baseline: 146 }), undefined, roles, l10n), '74 vs 146 errors');
  assert.equal(runDescription(record('failed', {}, { error: 'NaN loss\nat batch 3' }), undefined, roles, l10n), 'failed: NaN loss');
  assert.equal(runDescription(record('interrupted'), undefined, roles, l10n), 'interrupted');
  assert.equal(runDescription(record('cancelled', { distilled: 80, baseline: 150 }), undefined, roles, l10n), 'cancelled · 80 vs 150 errors');
});

test('running description from live state', () => {
  const state = live('teacher', { role: 'teacher', epoch: 3, epochs: 30, batch: 0, batches: 100 });
  assert.equal(runDescription(record('running'), state, roles, l10n), 'Teacher: epoch 3/30 · run 2%');
});

test('running description from the last epoch on disk', () => {
  const lastEpoch = {
    type: 'run/epoch' as const,
    runId: 'r',
    role: 'distilled' as const,
    epoch: 4,
    epochs: 20,
    loss: 1,
    validationAccuracy: 0.9,
    validationLoss: 0.3,
    learningRate: 0.001,
    seconds: 2,
    examplesPerSecond: 1000,
  };
  assert.equal(runDescription(record('running', {}, { lastEpoch }), undefined, roles, l10n), 'Distilled student: epoch 4/20');
});

test('model description', () => {
  assert.equal(modelDescription(evaluation('distilled', 74), l10n), '99.26% · 74 errors');
});

test('config highlights name the key values', () => {
  const lines = configHighlights(config({ transfer: { examples: 3000, omitClasses: [3] } }), 'wasm', l10n);
  assert.equal(lines[0], 'T = 20, soft weight 0.9, hard weight 0.1, soft cross-entropy, soft term × T²');
  assert.equal(lines[1], 'Teacher: MLP 1200×1200, 30 epochs');
  assert.equal(lines[2], 'Students: MLP 800×800, 20 epochs');
  assert.equal(lines[3], 'Transfer set: 3,000 examples, without classes 3');
  assert.equal(lines[4], 'Data: built-in MNIST, seed 1');
  assert.equal(lines[5], 'Backend: wasm (config: auto)');
});

test('config highlights of a loaded teacher', () => {
  const lines = configHighlights(config({ teacher: { load: 'teacher/model.json' }, baseline: false }), undefined, l10n);
  assert.equal(lines[1], 'Teacher: loaded from /work/teacher/model.json');
  assert.ok(lines.includes('No baseline student'), lines.join('\n'));
  assert.ok(lines.includes('Backend: not chosen yet (config: auto)'), lines.join('\n'));
});

test('tooltip holds config and results', () => {
  const tooltip = runTooltip(record('completed', { teacher: 67, distilled: 74, baseline: 146 }), config(), l10n);
  assert.match(tooltip, /\*\*hinton\\-mnist\*\* · `20261204-210000-hinton-mnist`/);
  assert.match(tooltip, /Status: completed/);
  assert.match(tooltip, /T = 20, soft weight 0\\\.9/);
  assert.match(tooltip, /\| Distilled student \| 99\.26% \| 74 \|/);
  assert.match(tooltip, /\| Baseline student \| 98\.54% \| 146 \|/);
});

test('tooltip of a failed run quotes the error', () => {
  const tooltip = runTooltip(record('failed', {}, { error: 'Loss is NaN' }), undefined, l10n);
  assert.match(tooltip, /> Loss is NaN/);
  assert.doesNotMatch(tooltip, /\| Model \|/);
});

test('failed description in French from the reason', () => {
  const french = createFrenchLocalizer();
  const errorReason: HostErrorReason = { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: true };
  const error = 'The worker was killed by signal SIGKILL before the run ended.\nLast output:\nEpoch 2/10';
  const killed = record('failed', {}, { error, errorReason });

  assert.equal(runDescription(killed, undefined, roles, french), "échec : Le processus d’entraînement a été tué par le signal SIGKILL avant la fin de l’exécution.");
  assert.match(runTooltip(killed, undefined, french), /> Le processus d’entraînement a été tué par le signal SIGKILL/);
  assert.equal(runDescription(killed, undefined, roles, l10n), 'failed: The worker was killed by signal SIGKILL before the run ended.');
});

test('failed description of an old run', () => {
  const french = createFrenchLocalizer();
  // Written before summary.json had errorReason: the stored English text is shown.
  const old = record('failed', {}, { error: 'The worker was killed by signal SIGKILL before the run ended.' });

  assert.equal(runDescription(old, undefined, roles, french), 'échec : The worker was killed by signal SIGKILL before the run ended.');
  assert.match(runTooltip(old, undefined, french), /> The worker was killed by signal SIGKILL/);
});

test('latest run lens titles', () => {
  assert.equal(
    latestRunLensTitle(record('completed', { teacher: 67, distilled: 74, baseline: 146 }), l10n),
    'Last run 20261204-210000-hinton-mnist: distilled 74 vs baseline 146 errors',
  );
  assert.equal(latestRunLensTitle(record('failed'), l10n), 'Last run 20261204-210000-hinton-mnist: failed');
});

test('trained roles follow the config', () => {
  assert.deepEqual(trainedRoles(undefined), ['teacher', 'distilled', 'baseline']);
  assert.deepEqual(trainedRoles(config()), ['teacher', 'distilled', 'baseline']);
  assert.deepEqual(trainedRoles(config({ teacher: { load: 'model.json' }, baseline: false })), ['distilled']);
});

test('model fraction counts batches', () => {
  assert.equal(modelFraction({ type: 'run/progress', runId: 'r', role: 'teacher', epoch: 1, epochs: 2, batch: 50, batches: 100, step: 50, loss: 1 }), 0.25);
  assert.equal(modelFraction({ type: 'run/progress', runId: 'r', role: 'teacher', epoch: 2, epochs: 2, batch: 100, batches: 100, step: 200, loss: 1 }), 1);
  assert.equal(modelFraction({ type: 'run/progress', runId: 'r', role: 'teacher', epoch: 1, epochs: 0, batch: 0, batches: 0, step: 0, loss: 1 }), 0);
});

test('run fraction gives each model a share', () => {
  assert.equal(runFraction(live(undefined), roles), undefined);
  assert.equal(runFraction(live('data'), roles), undefined);
  assert.equal(runFraction(live('teacher', { role: 'teacher', epoch: 2, epochs: 2, batch: 50, batches: 100 }), roles), 0.75 / 3);
  // The phase moved on before the distilled student's first progress event.
  assert.equal(runFraction(live('distilled', { role: 'teacher', epoch: 2, epochs: 2, batch: 100, batches: 100 }), roles), 1 / 3);
  assert.equal(runFraction(live('baseline', { role: 'baseline', epoch: 1, epochs: 1, batch: 100, batches: 100 }), roles), 1);
  assert.equal(runFraction(live('evaluation', { role: 'baseline', epoch: 1, epochs: 1, batch: 100, batches: 100 }), roles), 1);
});

test('progress text per phase', () => {
  assert.equal(describeProgress(live(undefined), roles, l10n), 'Starting…');
  assert.equal(describeProgress(live('data'), roles, l10n), 'Loading data');
  assert.equal(describeProgress(live('teacher-logits', { role: 'teacher', epoch: 2, epochs: 2, batch: 100, batches: 100 }), roles, l10n), "Computing the teacher's logits · run 33%");
  assert.equal(describeProgress({ ...live('teacher'), cancelRequested: true }, roles, l10n), 'Cancelling…');
});

test('short progress for the status bar', () => {
  assert.equal(describeProgressShort(live('teacher', { role: 'teacher', epoch: 3, epochs: 30, batch: 1, batches: 10 }), l10n), 'Teacher 3/30');
  assert.equal(describeProgressShort(live('evaluation'), l10n), 'Evaluating');
  assert.equal(describeProgressShort(live(undefined), l10n), 'starting');
});
