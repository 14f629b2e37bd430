import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import {
  applyBiasOffsets,
  classErrorsWithOffsets,
  countErrorsWithOffsets,
  offsetGrid,
  searchBiasOffsets,
} from '../../src/engine/biasAdjustment';
import { buildModel, forward } from '../../src/engine/models/build';

before(async () => {
  await tf.setBackend('cpu');
});

/**
 * Synthetic logits over 3 classes: examples of class `omitted` have its logit `gap` below the
 * best other class (2 for class 0, 1 for class 1), so an offset just above `gap` fixes them.
 * Examples of other classes score 5 on their own class and 0 elsewhere.
 */
function syntheticLogits(omitted: number, gaps: number[], others: number[]): { logits: Float32Array; labels: Int32Array; count: number } {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const gap of gaps) {
    const row = [0, 0, 0];
    const competitor = omitted === 0 ? 1 : 0;
    row[competitor] = 2;
    row[omitted] = 2 - gap;
    rows.push(row);
    labels.push(omitted);
  }
  for (const label of others) {
    const row = [0, 0, 0];
    row[label] = 5;
    rows.push(row);
    labels.push(label);
  }
  return { logits: Float32Array.from(rows.flat()), labels: Int32Array.from(labels), count: rows.length };
}

test('offset grid includes both ends', () => {
  assert.deepEqual(offsetGrid({ min: 0, max: 1, step: 0.25 }), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(offsetGrid({ min: -0.3, max: 0.3, step: 0.1 }), [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
  assert.deepEqual(offsetGrid({ min: 2, max: 2, step: 1 }), [2]);
});

test('offset grid rejects bad ranges', () => {
  assert.throws(() => offsetGrid({ min: 0, max: 1, step: 0 }), /step must be above 0/);
  assert.throws(() => offsetGrid({ min: 3, max: 1, step: 0.5 }), /min 3 is above max 1/);
});

test('search finds the obvious offset', () => {
  // Five 2s, each 3 logits below class 0; offsets above 3 fix them. The other examples score 5
  // on their own class, so they stay right up to an offset of 5.
  const { logits, labels, count } = syntheticLogits(2, [3, 3, 3, 3, 3], [0, 1, 0, 1]);
  const result = searchBiasOffsets(logits, labels, count, 3, [2], { min: 0, max: 8, step: 0.5 });

  assert.equal(result.errorsBefore, 5);
  assert.equal(result.errorsAfter, 0);
  // 3.5 is the smallest grid offset that makes 2's logit (−1 + offset) beat 2; 3 only ties, and
  // ties go to the lower class.
  assert.deepEqual(result.offsets, [3.5]);
});

test('search stops where other classes break', () => {
  // 2s need an offset above 1; class-0 rows have 5 on class 0, so an offset above 5 makes them
  // 2s (at 5 the tie goes to class 0). The best range is (1, 5]; the smallest offset in it wins.
  const { logits, labels, count } = syntheticLogits(2, [1, 1], [0, 0, 0]);
  const result = searchBiasOffsets(logits, labels, count, 3, [2], { min: 0, max: 8, step: 1 });

  assert.deepEqual(result.offsets, [2]);
  assert.equal(result.errorsAfter, 0);
  assert.equal(countErrorsWithOffsets(logits, labels, count, 3, [2], [5]), 0);
  assert.equal(countErrorsWithOffsets(logits, labels, count, 3, [2], [6]), 3);
});

test('ties keep the offset nearest zero', () => {
  // Nothing to fix: every offset up to 4 gives 0 errors, so 0 is kept.
  const { logits, labels, count } = syntheticLogits(2, [], [0, 1]);
  const result = searchBiasOffsets(logits, labels, count, 3, [2], { min: -2, max: 4, step: 1 });

  assert.deepEqual(result.offsets, [0]);
  assert.equal(result.errorsBefore, 0);
});

test('joint search of two classes', () => {
  // Class 1 rows need an offset above 2 (gap to class 0). The class 2 row [2, o1, 1 + o2] needs
  // 1 + o2 above both 2 and o1, so with o1 = 2.5 it needs o2 = 2: a joint constraint.
  const rows = [
    [2, 0, 0],
    [2, 0, 0],
    [2, 0, 1],
    [5, 0, 0],
  ];
  const labels = Int32Array.from([1, 1, 2, 0]);
  const logits = Float32Array.from(rows.flat());
  const result = searchBiasOffsets(logits, labels, 4, 3, [1, 2], { min: 0, max: 4, step: 0.5 });

  assert.equal(result.errorsBefore, 3);
  assert.equal(result.errorsAfter, 0);
  assert.deepEqual(result.offsets, [2.5, 2]);
  assert.equal(countErrorsWithOffsets(logits, labels, 4, 3, [1, 2], [2.5, 1.5]), 1);
});

test('coordinate search of three classes', () => {
  // Four classes; classes 1, 2 and 3 each need an offset that beats class 0's logit of 2 and
  // the offsets of the classes before them: o1 = 2.5, then 1 + o2 > 2.5, then 1.5 + o3 > 2.5.
  const rows = [
    [2, 0, 0, 0],
    [2, 0, 0, 0],
    [2, 0, 1, 0],
    [2, 0, 0, 1.5],
    [6, 0, 0, 0],
  ];
  const labels = Int32Array.from([1, 1, 2, 3, 0]);
  const logits = Float32Array.from(rows.flat());
  const result = searchBiasOffsets(logits, labels, 5, 4, [1, 2, 3], { min: 0, max: 4, step: 0.5 });

  assert.equal(result.errorsBefore, 4);
  assert.equal(result.errorsAfter, 0);
  assert.deepEqual(result.offsets, [2.5, 2, 1.5]);
});

test('class errors before and after', () => {
  const { logits, labels, count } = syntheticLogits(2, [3, 3, 1], [0, 1]);

  assert.deepEqual(classErrorsWithOffsets(logits, labels, count, 3, [2], [0]), { errors: [3], examples: [3] });
  assert.deepEqual(classErrorsWithOffsets(logits, labels, count, 3, [2], [2]), { errors: [2], examples: [3] });
  assert.deepEqual(classErrorsWithOffsets(logits, labels, count, 3, [2, 0], [3.5, 0]), { errors: [0, 0], examples: [3, 1] });
});

test('applied offsets shift the model logits', async () => {
  const model = buildModel({ type: 'mlp', hidden: [4], activation: 'relu', dropout: 0, inputDropout: 0 }, { features: 3, shape: [1, 3, 1], classes: 3 }, 7);
  const inputs = tf.tensor2d([
    [0.1, 0.2, 0.3],
    [1, -1, 0.5],
  ]);
  const before = await forward(model, inputs, false).array();

  applyBiasOffsets(model, [2, 0], [3.5, -1]);
  const after = await forward(model, inputs, false).array();

  for (let row = 0; row < 2; row += 1) {
    assert.ok(Math.abs(after[row][0] - (before[row][0] - 1)) < 1e-5);
    assert.ok(Math.abs(after[row][1] - before[row][1]) < 1e-5);
    assert.ok(Math.abs(after[row][2] - (before[row][2] + 3.5)) < 1e-5);
  }
  inputs.dispose();
  model.dispose();
});
