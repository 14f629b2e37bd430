import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import type { DistillationConfig } from '../../src/config/types';
import {
  distillationLoss,
  hardCrossEntropy,
  logitMatching,
  meanSoftenedEntropy,
  softCrossEntropy,
  softKullbackLeibler,
  softTerm,
  softenedEntropy,
  softenedSoftmax,
  teacherEntropyFactor,
} from '../../src/engine/distillation';

// Reference values computed with Python's math module for student logits [1, 2, 3], teacher
// logits [3, 1, 0], T = 2 and true class 0.
const student = [[1, 2, 3]];
const teacher = [[3, 1, 0]];
const expectedSoftCrossEntropy = 1.4244133386645714;
const expectedKullbackLeibler = 0.5184540821853449;
const expectedTeacherEntropy = 0.9059592564792267;
const expectedLogitMse = 2.111111111111111;
const expectedHard = 2.40760596444438;
const expectedTotal = 5.368648615636895; // 0.9 · 4 · H + 0.1 · hard

const baseConfig: DistillationConfig = {
  temperature: 2,
  softWeight: 0.9,
  hardWeight: 0.1,
  scaleByTemperatureSquared: true,
  loss: 'soft-cross-entropy',
};

/** Uniform numbers in [0, 1) from a linear congruential generator, so the test data are fixed. */
function seededUniform(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function scalarValue(tensor: tf.Scalar): number {
  const value = tensor.dataSync()[0];
  tensor.dispose();
  return value;
}

before(async () => {
  await tf.setBackend('cpu');
});

test('softened softmax matches the formula', () => {
  const probabilities = softenedSoftmax(tf.tensor2d(teacher), 2).arraySync()[0];
  const exps = teacher[0].map((z) => Math.exp(z / 2));
  const sum = exps.reduce((a, b) => a + b, 0);
  exps.forEach((e, i) => assert.ok(Math.abs(probabilities[i] - e / sum) < 1e-6, `class ${i}`));
});

test('soft cross-entropy equals reference value', () => {
  const value = scalarValue(softCrossEntropy(tf.tensor2d(student), tf.tensor2d(teacher), 2));
  assert.ok(Math.abs(value - expectedSoftCrossEntropy) < 1e-5, `got ${value}`);
});

test('KL divergence equals reference value', () => {
  const value = scalarValue(softKullbackLeibler(tf.tensor2d(student), tf.tensor2d(teacher), 2));
  assert.ok(Math.abs(value - expectedKullbackLeibler) < 1e-5, `got ${value}`);
});

test('teacher entropy equals reference value', () => {
  const onDevice = scalarValue(softenedEntropy(tf.tensor2d(teacher), 2));
  const onCpu = meanSoftenedEntropy(new Float32Array(teacher[0]), 3, 2);
  assert.ok(Math.abs(onDevice - expectedTeacherEntropy) < 1e-5, `softenedEntropy ${onDevice}`);
  assert.ok(Math.abs(onCpu - expectedTeacherEntropy) < 1e-12, `meanSoftenedEntropy ${onCpu}`);
});

test('uniform teacher has entropy log N', () => {
  const logits = new Float32Array([5, 5, 5, 5, -2, -2, -2, -2]);
  assert.ok(Math.abs(meanSoftenedEntropy(logits, 4, 3) - Math.log(4)) < 1e-12);
  const onDevice = scalarValue(softenedEntropy(tf.tensor2d(logits, [2, 4]), 3));
  assert.ok(Math.abs(onDevice - Math.log(4)) < 1e-6, `softenedEntropy ${onDevice}`);
});

test('mean entropy rejects ragged logits', () => {
  assert.throws(() => meanSoftenedEntropy(new Float32Array(7), 3, 2), /7 values are not a positive multiple of 3 classes/);
  assert.throws(() => meanSoftenedEntropy(new Float32Array(0), 3, 2), /0 values are not a positive multiple of 3 classes/);
});

test('soft cross-entropy is KL plus teacher entropy', () => {
  // Ten classes, with teacher logits spread twice as wide as the student's.
  const rows = 6;
  const classesPerRow = 10;
  const random = seededUniform(11);
  const studentValues = Float32Array.from({ length: rows * classesPerRow }, () => 12 * random() - 6);
  const teacherValues = Float32Array.from({ length: rows * classesPerRow }, () => 24 * random() - 12);
  const studentLogits = tf.tensor2d(studentValues, [rows, classesPerRow]);
  const teacherLogits = tf.tensor2d(teacherValues, [rows, classesPerRow]);

  for (const temperature of [1, 4, 20]) {
    const crossEntropy = scalarValue(softCrossEntropy(studentLogits, teacherLogits, temperature));
    const divergence = scalarValue(softKullbackLeibler(studentLogits, teacherLogits, temperature));
    const entropy = scalarValue(softenedEntropy(teacherLogits, temperature));
    const entropyOnCpu = meanSoftenedEntropy(teacherValues, classesPerRow, temperature);
    const where = `T=${temperature}`;
    assert.ok(divergence > 0, `${where}: KL ${divergence}`);
    assert.ok(Math.abs(crossEntropy - (divergence + entropy)) < 1e-5, `${where}: H(p, q) ${crossEntropy}, KL + H(p) ${divergence + entropy}`);
    assert.ok(Math.abs(entropyOnCpu - entropy) < 1e-5, `${where}: entropy on the CPU ${entropyOnCpu}, on the device ${entropy}`);

    // The scaled soft term minus factor · H(p) is the scaled KL, which is what the trainer reports.
    const config: DistillationConfig = { ...baseConfig, temperature };
    const factor = teacherEntropyFactor(config) ?? NaN;
    const soft = scalarValue(softTerm(studentLogits, teacherLogits, config));
    const scaledDivergence = scalarValue(softTerm(studentLogits, teacherLogits, { ...config, loss: 'kl' }));
    const tolerance = 1e-6 * temperature * temperature * Math.max(1, crossEntropy);
    assert.equal(factor, temperature * temperature);
    assert.ok(Math.abs(soft - factor * entropyOnCpu - scaledDivergence) < tolerance, `${where}: T²·H(p, q) − T²·H(p) ${soft - factor * entropyOnCpu}, T²·KL ${scaledDivergence}`);
  }
});

test('entropy factor of each loss', () => {
  assert.equal(teacherEntropyFactor({ ...baseConfig, temperature: 5 }), 25);
  assert.equal(teacherEntropyFactor({ ...baseConfig, temperature: 5, scaleByTemperatureSquared: false }), 1);
  assert.equal(teacherEntropyFactor({ ...baseConfig, loss: 'kl' }), 0);
  assert.equal(teacherEntropyFactor({ ...baseConfig, loss: 'logit-mse' }), undefined);
});

test('logit matching equals reference value', () => {
  const value = scalarValue(logitMatching(tf.tensor2d(student), tf.tensor2d(teacher)));
  assert.ok(Math.abs(value - expectedLogitMse) < 1e-5, `got ${value}`);
});

test('hard cross-entropy equals reference value', () => {
  const value = scalarValue(hardCrossEntropy(tf.tensor2d(student), tf.tensor2d([[1, 0, 0]])));
  assert.ok(Math.abs(value - expectedHard) < 1e-5, `got ${value}`);
});

test('total loss weights the scaled soft term', () => {
  const parts = distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor2d([[1, 0, 0]]), baseConfig);
  const soft = scalarValue(parts.soft);
  const hard = scalarValue(parts.hard);
  const total = scalarValue(parts.total);
  assert.ok(Math.abs(soft - 4 * expectedSoftCrossEntropy) < 1e-4, `soft ${soft}`);
  assert.ok(Math.abs(hard - expectedHard) < 1e-5, `hard ${hard}`);
  assert.ok(Math.abs(total - expectedTotal) < 1e-4, `total ${total}`);
});

test('T² scaling can be turned off', () => {
  const config = { ...baseConfig, scaleByTemperatureSquared: false };
  const value = scalarValue(softTerm(tf.tensor2d(student), tf.tensor2d(teacher), config));
  assert.ok(Math.abs(value - expectedSoftCrossEntropy) < 1e-5, `got ${value}`);
});

test('unlabeled transfer set drops the hard term', () => {
  const parts = distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), null, baseConfig);
  const total = scalarValue(parts.total);
  parts.soft.dispose();
  parts.hard.dispose();
  assert.ok(Math.abs(total - 0.9 * 4 * expectedSoftCrossEntropy) < 1e-4, `got ${total}`);
});

test('soft gradient is (q - p) / T by finite differences', () => {
  const rows = [
    [0.3, -1.2, 2.5, 0.0],
    [4.0, 4.1, -3.0, 1.5],
  ];
  const teacherRows = [
    [1.0, 0.5, -0.5, 2.0],
    [-2.0, 3.0, 0.5, 0.0],
  ];
  for (const temperature of [1, 2.5, 10]) {
    for (let row = 0; row < rows.length; row += 1) {
      const logits = rows[row];
      const teacherLogits = tf.tensor2d([teacherRows[row]]);
      const loss = (values: number[]): number =>
        scalarValue(softCrossEntropy(tf.tensor2d([values]), teacherLogits, temperature));

      const p = softenedSoftmax(teacherLogits, temperature).arraySync()[0];
      const q = softenedSoftmax(tf.tensor2d([logits]), temperature).arraySync()[0];
      const analytic = tf.grad((z: tf.Tensor) => softCrossEntropy(z as tf.Tensor2D, teacherLogits, temperature))(tf.tensor2d([logits]));
      const analyticValues = analytic.arraySync() as number[][];

      const step = 1e-2;
      for (let i = 0; i < logits.length; i += 1) {
        const plus = [...logits];
        const minus = [...logits];
        plus[i] += step;
        minus[i] -= step;
        const numeric = (loss(plus) - loss(minus)) / (2 * step);
        const expected = (q[i] - p[i]) / temperature;
        const where = `T=${temperature} row=${row} class=${i}`;
        assert.ok(Math.abs(numeric - expected) < 2e-4, `${where}: finite difference ${numeric}, (q-p)/T ${expected}`);
        assert.ok(Math.abs(analyticValues[0][i] - expected) < 1e-5, `${where}: autodiff ${analyticValues[0][i]}`);
      }
    }
  }
});

test('KL and cross-entropy have equal gradients', () => {
  const logits = tf.tensor2d([[0.2, 1.7, -0.4], [2.0, -1.0, 0.5]]);
  const teacherLogits = tf.tensor2d([[1.0, 0.0, 3.0], [0.1, 0.2, 0.3]]);
  const crossEntropyGradient = tf.grad((z: tf.Tensor) => softCrossEntropy(z as tf.Tensor2D, teacherLogits, 3))(logits);
  const klGradient = tf.grad((z: tf.Tensor) => softKullbackLeibler(z as tf.Tensor2D, teacherLogits, 3))(logits);
  const difference = tf.max(tf.abs(tf.sub(crossEntropyGradient, klGradient))).dataSync()[0];
  assert.ok(difference < 1e-6, `max difference ${difference}`);
});

test('T = 1 soft loss equals cross-entropy with teacher probabilities', () => {
  const config: DistillationConfig = { ...baseConfig, temperature: 1, softWeight: 1, hardWeight: 0 };
  const logits = tf.tensor2d([[0.5, -0.5, 2.0], [1.0, 1.0, 1.0]]);
  const teacherLogits = tf.tensor2d([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]]);
  const teacherProbabilities = tf.softmax(teacherLogits);
  const reference = scalarValue(tf.losses.softmaxCrossEntropy(teacherProbabilities, logits) as tf.Scalar);
  const parts = distillationLoss(logits, teacherLogits, tf.tensor2d([[1, 0, 0], [0, 1, 0]]), config);
  const total = scalarValue(parts.total);
  parts.soft.dispose();
  parts.hard.dispose();
  assert.ok(Math.abs(total - reference) < 1e-5, `distillation ${total}, tf.losses ${reference}`);
});

test('logit matching approximates scaled cross-entropy at high T', () => {
  const logits = tf.tensor2d([[0.3, -0.2, 0.1, -0.2]]);
  const teacherLogits = tf.tensor2d([[-0.1, 0.4, 0.0, -0.3]]);
  const temperature = 200;
  const crossEntropyGradient = tf.grad((z: tf.Tensor) =>
    tf.mul(softCrossEntropy(z as tf.Tensor2D, teacherLogits, temperature), temperature * temperature),
  )(logits);
  const mseGradient = tf.grad((z: tf.Tensor) => logitMatching(z as tf.Tensor2D, teacherLogits))(logits);
  const difference = tf.max(tf.abs(tf.sub(crossEntropyGradient, mseGradient))).dataSync()[0];
  assert.ok(difference < 1e-3, `max difference ${difference}`);
});
