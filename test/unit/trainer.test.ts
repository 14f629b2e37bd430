import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import type { DistillationConfig, MlpSpec, TrainConfig } from '../../src/config/types';
import { selectBackend } from '../../src/engine/backend';
import type { Split } from '../../src/engine/data/dataset';
import { softKullbackLeibler } from '../../src/engine/distillation';
import { buildModel, copyWeights, forward } from '../../src/engine/models/build';
import { CancelledError, NonFiniteLossError, scheduledLearningRate, trainModel, type TrainingTask } from '../../src/engine/trainer';

const features = 16;
const classes = 3;
const input = { features, shape: [4, 4, 1] as [number, number, number], classes };

/** Three separable classes: class k lights up the k-th block of features, plus noise. */
function makeSplit(count: number, seed: number): Split {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const x = new Float32Array(count * features);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i += 1) {
    const label = i % classes;
    y[i] = label;
    for (let j = 0; j < features; j += 1) {
      const lit = Math.floor(j / 5) === label ? 1 : 0;
      x[i * features + j] = lit + 0.3 * random();
    }
  }
  return { x, y, count };
}

const mlp: MlpSpec = { type: 'mlp', hidden: [12], activation: 'relu', dropout: 0.2, inputDropout: 0.1 };
const train: TrainConfig = { epochs: 3, batchSize: 16, optimizer: 'adam', learningRate: 0.01, momentum: 0.9, schedule: { type: 'constant' } };
const distillation: DistillationConfig = { temperature: 3, softWeight: 0.9, hardWeight: 0.1, scaleByTemperatureSquared: true, loss: 'soft-cross-entropy' };

function task(overrides: Partial<TrainingTask>): TrainingTask {
  return {
    role: 'baseline',
    model: buildModel(mlp, input, 5),
    train,
    augment: { jitter: 0 },
    data: makeSplit(100, 1),
    validation: makeSplit(30, 2),
    features,
    classes,
    shape: input.shape,
    orderSeed: 'order',
    dropoutSeed: 7,
    ...overrides,
  };
}

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((weight) => weight.dataSync() as Float32Array);
}

before(async () => {
  await selectBackend('wasm', () => undefined);
});

test('same seeds give identical weights', async () => {
  const first = task({ model: buildModel(mlp, input, 5) });
  const second = task({ model: buildModel(mlp, input, 5) });
  await trainModel(first);
  await trainModel(second);
  assert.deepEqual(weightsOf(first.model), weightsOf(second.model));
});

test('different order seeds give different weights', async () => {
  const first = task({ model: buildModel(mlp, input, 5) });
  const second = task({ model: buildModel(mlp, input, 5), orderSeed: 'other' });
  await trainModel(first);
  await trainModel(second);
  assert.notDeepEqual(weightsOf(first.model), weightsOf(second.model));
});

test('distilled with soft weight 0 matches baseline', async () => {
  // Same initial weights, batches, dropout masks and loss: the two students must stay identical,
  // which shows the distilled student and the baseline see the same data in the same order.
  const data = makeSplit(100, 1);
  const distilled = buildModel(mlp, input, 9);
  const baseline = buildModel(mlp, input, 9);
  copyWeights(distilled, baseline);
  const teacherLogits = new Float32Array(data.count * classes).map((_, i) => (i % 7) - 3);

  await trainModel(
    task({
      role: 'distilled',
      model: distilled,
      data,
      softTargets: { config: { ...distillation, softWeight: 0, hardWeight: 1 }, cachedLogits: teacherLogits, useLabels: true },
    }),
  );
  await trainModel(task({ role: 'baseline', model: baseline, data }));
  const distilledWeights = weightsOf(distilled);
  const baselineWeights = weightsOf(baseline);
  distilledWeights.forEach((weights, index) => {
    const difference = Math.max(...weights.map((value, j) => Math.abs(value - baselineWeights[index][j])));
    assert.ok(difference < 1e-6, `weight tensor ${index} differs by ${difference}`);
  });
});

test('soft targets change what the student learns', async () => {
  const data = makeSplit(100, 1);
  const distilled = buildModel(mlp, input, 9);
  const baseline = buildModel(mlp, input, 9);
  copyWeights(distilled, baseline);
  const teacherLogits = new Float32Array(data.count * classes).map((_, i) => (i % 7) - 3);
  await trainModel(task({ role: 'distilled', model: distilled, data, softTargets: { config: distillation, cachedLogits: teacherLogits, useLabels: true } }));
  await trainModel(task({ role: 'baseline', model: baseline, data }));
  assert.notDeepEqual(weightsOf(distilled), weightsOf(baseline));
});

test('epoch metrics report soft and hard parts', async () => {
  const data = makeSplit(100, 1);
  const teacher = buildModel(mlp, input, 3);
  const epochs: number[] = [];
  const result = await trainModel(
    task({
      role: 'distilled',
      data,
      softTargets: { config: distillation, teacher: (x) => forward(teacher, x, false), useLabels: true },
      augment: { jitter: 1 },
      onEpoch: (metrics) => epochs.push(metrics.epoch),
    }),
  );
  assert.deepEqual(epochs, [1, 2, 3]);
  for (const metrics of result.epochs) {
    assert.ok(metrics.softLoss !== undefined, 'soft loss reported');
    assert.ok(metrics.hardLoss !== undefined, 'hard loss reported');
    assert.ok(Number.isFinite(metrics.softLoss), `soft loss ${metrics.softLoss}`);
    assert.ok(Number.isFinite(metrics.hardLoss), `hard loss ${metrics.hardLoss}`);
    const expectedTotal = 0.9 * metrics.softLoss + 0.1 * metrics.hardLoss;
    assert.ok(Math.abs(metrics.loss - expectedTotal) < 1e-3 * Math.max(1, expectedTotal), `total ${metrics.loss} vs ${expectedTotal}`);
    assert.ok(metrics.validationAccuracy >= 0, `validation accuracy ${metrics.validationAccuracy}`);
    assert.ok(metrics.validationAccuracy <= 1, `validation accuracy ${metrics.validationAccuracy}`);
  }
});

test('KL part of the soft term matches a direct KL', async () => {
  // With a learning rate of 0 and no dropout the student is the same function at every step, so
  // the epoch's mean T²·KL(p ‖ q) equals the one computed directly on all examples.
  const data = makeSplit(100, 1);
  const frozen: TrainConfig = { ...train, epochs: 1, optimizer: 'sgd', learningRate: 0, momentum: 0 };
  const studentSpec: MlpSpec = { ...mlp, dropout: 0, inputDropout: 0 };
  const teacher = buildModel(mlp, input, 3);
  const teacherPredict = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(forward(teacher, x, false), 4) as tf.Tensor2D;
  const inputs = tf.tensor2d(data.x, [data.count, features]);
  const teacherLogits = teacherPredict(inputs);
  const cachedLogits = teacherLogits.dataSync() as Float32Array;
  const temperature = distillation.temperature;

  const cases: { name: string; softTargets: (config: DistillationConfig) => NonNullable<TrainingTask['softTargets']> }[] = [
    { name: 'cached logits', softTargets: (config) => ({ config, cachedLogits, useLabels: true }) },
    { name: 'teacher per batch', softTargets: (config) => ({ config, teacher: teacherPredict, useLabels: true }) },
  ];
  for (const { name, softTargets } of cases) {
    const student = buildModel(studentSpec, input, 9);
    const direct = tf.tidy(() => softKullbackLeibler(forward(student, inputs, false), teacherLogits, temperature).dataSync()[0]);
    const expected = temperature * temperature * direct;
    const result = await trainModel(task({ role: 'distilled', model: student, data, train: frozen, softTargets: softTargets(distillation) }));
    const metrics = result.epochs[0];
    assert.ok(metrics.softKlDivergence !== undefined, `${name}: KL part reported`);
    assert.ok(metrics.softLoss !== undefined, `${name}: soft term reported`);
    assert.ok(expected > 0.05, `${name}: the teacher and the student must differ for the test to mean anything (T²·KL ${expected})`);
    assert.ok(Math.abs(metrics.softKlDivergence - expected) < 1e-5 * Math.max(1, metrics.softLoss), `${name}: reported ${metrics.softKlDivergence}, direct ${expected}`);
    assert.ok(metrics.softLoss - metrics.softKlDivergence > 1, `${name}: soft term ${metrics.softLoss} contains T²·H(p)`);

    const klResult = await trainModel(task({ role: 'distilled', model: student, data, train: frozen, softTargets: softTargets({ ...distillation, loss: 'kl' }) }));
    const klMetrics = klResult.epochs[0];
    assert.equal(klMetrics.softKlDivergence, klMetrics.softLoss, `${name}: loss "kl" reports its soft term as the KL`);
    assert.ok(Math.abs((klMetrics.softLoss ?? NaN) - expected) < 1e-4 * Math.max(1, expected), `${name}: loss "kl" soft term ${klMetrics.softLoss}, direct ${expected}`);
  }

  const mseResult = await trainModel(task({ role: 'distilled', data, train: frozen, softTargets: { config: { ...distillation, loss: 'logit-mse' }, cachedLogits, useLabels: true } }));
  assert.equal(mseResult.epochs[0].softKlDivergence, undefined, 'logit-mse has no KL part');
  assert.equal((await trainModel(task({ data, train: frozen }))).epochs[0].softKlDivergence, undefined, 'the baseline has no KL part');
  tf.dispose([inputs, teacherLogits]);
});

test('training learns a separable problem', async () => {
  const model = buildModel({ ...mlp, dropout: 0, inputDropout: 0 }, input, 5);
  const result = await trainModel(task({ model, train: { ...train, epochs: 10 } }));
  const last = result.epochs[result.epochs.length - 1];
  assert.ok(last.validationAccuracy > 0.95, `validation accuracy ${last.validationAccuracy}`);
  assert.ok(last.loss < result.epochs[0].loss, 'loss decreased');
});

test('NaN loss names model, epoch and batch', async () => {
  const data = makeSplit(100, 1);
  data.x[5 * features + 3] = NaN;
  const model = buildModel(mlp, input, 5);
  await assert.rejects(trainModel(task({ role: 'teacher', model, data, progressInterval: 0 })), (error: unknown) => {
    assert.ok(error instanceof NonFiniteLossError, String(error));
    assert.match(error.message, /teacher/);
    assert.match(error.message, /epoch 1, batch \d+/);
    assert.match(error.message, /NaN/);
    return true;
  });
});

test('shouldStop cancels between batches', async () => {
  let batchesSeen = 0;
  const model = buildModel(mlp, input, 5);
  await assert.rejects(
    trainModel(
      task({
        model,
        progressInterval: 0,
        onProgress: () => {
          batchesSeen += 1;
        },
        shouldStop: () => batchesSeen >= 2,
      }),
    ),
    CancelledError,
  );
  assert.equal(batchesSeen, 2);
});

test('learning-rate schedules', () => {
  assert.equal(scheduledLearningRate(0.1, { type: 'constant' }, 5, 10), 0.1);
  assert.ok(Math.abs(scheduledLearningRate(0.1, { type: 'step', everyEpochs: 2, factor: 0.5 }, 5, 10) - 0.025) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate(0.1, { type: 'exponential', factor: 0.9 }, 2, 10) - 0.081) < 1e-12);
  assert.equal(scheduledLearningRate(0.1, { type: 'cosine', minLearningRate: 0.01 }, 0, 10), 0.1);
  assert.ok(Math.abs(scheduledLearningRate(0.1, { type: 'cosine', minLearningRate: 0.01 }, 9, 10) - 0.01) < 1e-12);
});

test('max-norm constraint bounds unit norms', async () => {
  const model = buildModel({ ...mlp, maxNorm: 0.5 }, input, 5);
  await trainModel(task({ model, train: { ...train, learningRate: 0.1 } }));
  const kernel = model.layers.find((layer) => layer.getClassName() === 'Dense')?.getWeights()[0];
  assert.ok(kernel !== undefined);
  const norms = tf.sqrt(tf.sum(tf.square(kernel), 0)).dataSync();
  norms.forEach((norm, unit) => assert.ok(norm <= 0.5 + 1e-5, `unit ${unit} has norm ${norm}`));
});

test('SGD with momentum learns too', async () => {
  const model = buildModel({ ...mlp, dropout: 0, inputDropout: 0 }, input, 5);
  const sgd: TrainConfig = { ...train, epochs: 10, optimizer: 'sgd', learningRate: 0.1, momentum: 0.9 };
  const result = await trainModel(task({ model, train: sgd }));
  const last = result.epochs[result.epochs.length - 1];
  assert.ok(last.validationAccuracy > 0.95, `validation accuracy ${last.validationAccuracy}`);
});

test('CNN trains on the wasm backend', async () => {
  // Training a conv layer needs Conv2DBackpropFilter, which the engine adds to wasm.
  const cnn = buildModel(
    {
      type: 'cnn',
      layers: [
        { type: 'conv', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
        { type: 'maxPool', poolSize: 2 },
        { type: 'dense', units: 8, activation: 'relu' },
        { type: 'dropout', rate: 0.1 },
      ],
    },
    input,
    5,
  );
  const convKernelBefore = cnn.layers.find((layer) => layer.getClassName() === 'Conv2D')?.getWeights()[0].dataSync().slice();
  const result = await trainModel(task({ model: cnn, train: { ...train, epochs: 8 } }));
  const convKernelAfter = cnn.layers.find((layer) => layer.getClassName() === 'Conv2D')?.getWeights()[0].dataSync();
  assert.ok(convKernelBefore !== undefined, 'conv kernel before training');
  assert.ok(convKernelAfter !== undefined, 'conv kernel after training');
  assert.notDeepEqual(Array.from(convKernelAfter), Array.from(convKernelBefore), 'conv kernel updated');
  const last = result.epochs[result.epochs.length - 1];
  assert.ok(last.validationAccuracy > 0.9, `validation accuracy ${last.validationAccuracy}`);
  assert.equal(tf.getBackend(), 'wasm');
});

test('parameter count matches the architecture', () => {
  const model = buildModel({ type: 'mlp', hidden: [12, 7], activation: 'relu', dropout: 0.5, inputDropout: 0.2 }, input, 1);
  assert.equal(model.countParams(), 16 * 12 + 12 + 12 * 7 + 7 + 7 * 3 + 3);
});
