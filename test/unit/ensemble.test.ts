import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { combineMemberLogits, ensemblePredict } from '../../src/engine/ensemble';
import type { LogitsFunction } from '../../src/engine/evaluate';

// Two members whose softened distributions at T = 2 are known: z = T · log p gives softmax(z / T) = p.
const temperature = 2;
const firstMember = [0.5, 0.25, 0.25];
const secondMember = [0.1, 0.6, 0.3];
const logitsOf = (probabilities: number[]) => Float32Array.from(probabilities, (p) => temperature * Math.log(p));

function softmax(row: ArrayLike<number>, scale: number): number[] {
  const scaled = Array.from(row, (value) => value / scale);
  const max = Math.max(...scaled);
  const exps = scaled.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

function assertClose(actual: number[], expected: number[], tolerance = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, index) => {
    assert.ok(Math.abs(value - expected[index]) <= tolerance, `index ${index}: ${value} vs ${expected[index]}`);
  });
}

before(async () => {
  await tf.setBackend('cpu');
});

test('arithmetic mean of two distributions', () => {
  const combined = combineMemberLogits([logitsOf(firstMember), logitsOf(secondMember)], 1, 3, temperature, 'arithmetic');

  assertClose(softmax(combined, temperature), [0.3, 0.425, 0.275]);
});

test('arithmetic combine is exact at T', () => {
  // Rows of random-looking logits: softmax(z'/T) must equal the mean of the members' softmax(z/T).
  const first = Float32Array.from([3, -1, 0.5, 2, 2, -4]);
  const second = Float32Array.from([-2, 4, 1, 0, 7, 1]);
  const combined = combineMemberLogits([first, second], 2, 3, 5, 'arithmetic');

  for (let row = 0; row < 2; row += 1) {
    const slice = (values: Float32Array) => values.subarray(row * 3, row * 3 + 3);
    const expected = softmax(slice(first), 5).map((p, k) => (p + softmax(slice(second), 5)[k]) / 2);
    assertClose(softmax(slice(combined), 5), expected);
  }
});

test('geometric combine is a normalised geometric mean', () => {
  const combined = combineMemberLogits([logitsOf(firstMember), logitsOf(secondMember)], 1, 3, temperature, 'geometric');
  const roots = firstMember.map((p, k) => Math.sqrt(p * secondMember[k]));
  const total = roots.reduce((a, b) => a + b, 0);

  assertClose(softmax(combined, temperature), roots.map((value) => value / total));
  assertClose(Array.from(combined), Array.from(logitsOf(firstMember)).map((z, k) => (z + logitsOf(secondMember)[k]) / 2));
});

test('arithmetic and geometric differ', () => {
  const members = [logitsOf(firstMember), logitsOf(secondMember)];
  const arithmetic = softmax(combineMemberLogits(members, 1, 3, temperature, 'arithmetic'), temperature);
  const geometric = softmax(combineMemberLogits(members, 1, 3, temperature, 'geometric'), temperature);

  // The geometric mean favours the class both members agree on (class 1: 0.25 and 0.6).
  assert.ok(geometric[1] > arithmetic[1], `${geometric[1]} vs ${arithmetic[1]}`);
});

test('one member combines to itself', () => {
  const member = Float32Array.from([1, 2, 3]);
  const combined = combineMemberLogits([member], 1, 3, 4, 'arithmetic');

  assertClose(softmax(combined, 4), softmax(member, 4));
});

test('combine rejects mismatched shapes', () => {
  assert.throws(
    () => combineMemberLogits([new Float32Array(6), new Float32Array(4)], 2, 3, 2, 'arithmetic'),
    /Member 1 has 4 logits, expected 2 examples × 3 classes = 6/,
  );
  assert.throws(() => combineMemberLogits([], 1, 3, 2, 'geometric'), /at least one member/);
  assert.throws(() => combineMemberLogits([new Float32Array(3)], 1, 3, 0, 'arithmetic'), /temperature must be above 0/);
});

test('ensemblePredict matches the CPU combine', async () => {
  const firstLogits = [
    [3, -1, 0.5],
    [2, 2, -4],
  ];
  const secondLogits = [
    [-2, 4, 1],
    [0, 7, 1],
  ];
  const members: LogitsFunction[] = [() => tf.tensor2d(firstLogits), () => tf.tensor2d(secondLogits)];
  const inputs = tf.zeros([2, 5]) as tf.Tensor2D;

  for (const combine of ['arithmetic', 'geometric'] as const) {
    const predicted = ensemblePredict(members, 3, combine)(inputs);
    const expected = combineMemberLogits(
      [Float32Array.from(firstLogits.flat()), Float32Array.from(secondLogits.flat())],
      2,
      3,
      3,
      combine,
    );
    assert.deepEqual(predicted.shape, [2, 3]);
    const values = Array.from(await predicted.data());
    predicted.dispose();
    // The backend computes in float32 by another route, so compare the distributions.
    for (let row = 0; row < 2; row += 1) {
      assertClose(softmax(values.slice(row * 3, row * 3 + 3), 3), softmax(expected.subarray(row * 3, row * 3 + 3), 3), 1e-4);
    }
  }
  inputs.dispose();
});
