// FusedAdamOptimizer against tfjs's AdamOptimizer: the same float32 results on wasm, where the
// fused ADAM_UPDATE kernel runs (its SIMD loop and, for the last 37 · 53 % 4 elements, its
// JavaScript loop), and tfjs's own code on cpu.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/engine/backend';
import { FusedAdamOptimizer } from '../../src/engine/fusedAdam';
import { ADAM_UPDATE } from '../../src/engine/kernels/adamUpdate';

/** Gradients of growing and shrinking magnitude, with exact zeros, as dead ReLU units give. */
function gradientAt(step: number, shape: [number, number]): tf.Tensor {
  return tf.tidy(() => {
    const noise = tf.randomNormal(shape, 0, Math.pow(10, 2 - step), 'float32', 100 + step);
    const mask = tf.randomUniform(shape, 0, 1, 'float32', 200 + step).greater(0.2);
    return noise.mul(mask.cast('float32'));
  });
}

/** Runs `steps` steps of both optimizers from the same start and returns the two final values. */
function trainBoth(steps: number): { fused: Float32Array; reference: Float32Array; isFused: boolean } {
  const shape: [number, number] = [37, 53];
  const start = tf.randomNormal(shape, 0, 1, 'float32', 1);
  // Each variable takes a reference to the start's data; assign() replaces it with new data.
  const fusedValue = tf.variable(start, true, `fused-${tf.getBackend()}-${steps}`);
  const referenceValue = tf.variable(start, true, `reference-${tf.getBackend()}-${steps}`);
  start.dispose();
  const fused = new FusedAdamOptimizer(0.01);
  const reference = tf.train.adam(0.01);

  for (let step = 0; step < steps; step += 1) {
    if (step === 3) {
      // The trainer changes the rate between epochs by setting this field.
      (fused as unknown as { learningRate: number }).learningRate = 0.002;
      (reference as unknown as { learningRate: number }).learningRate = 0.002;
    }
    const gradient = gradientAt(step, shape);
    fused.applyGradients([{ name: fusedValue.name, tensor: gradient }]);
    reference.applyGradients([{ name: referenceValue.name, tensor: gradient }]);
    gradient.dispose();
  }

  const result = { fused: fusedValue.dataSync() as Float32Array, reference: referenceValue.dataSync() as Float32Array, isFused: fused.isFused };
  fused.dispose();
  reference.dispose();
  fusedValue.dispose();
  referenceValue.dispose();
  return result;
}

test('fused adam matches tfjs on wasm', async () => {
  // Two threads start the threaded build, whose shared memory sends the kernel down its SIMD path.
  await selectBackend('wasm', () => undefined, { threads: 2 });
  assert.ok(tf.getKernel(ADAM_UPDATE, 'wasm') !== undefined, 'the kernel is registered on wasm');
  const memory = (tf.backend() as unknown as { wasm: { wasmMemory?: { buffer: unknown } } }).wasm.wasmMemory;
  assert.ok(memory?.buffer instanceof SharedArrayBuffer, 'the threaded build with its shared memory is active');

  const { fused, reference, isFused } = trainBoth(6);

  assert.equal(isFused, true);
  assert.deepEqual(fused, reference);
});

test('fused adam leaves no tensors', async () => {
  await selectBackend('wasm', () => undefined);
  const before = tf.memory().numTensors;

  trainBoth(2);

  assert.equal(tf.memory().numTensors, before);
});

test('cpu adam uses tfjs code', async () => {
  await selectBackend('cpu', () => undefined);

  const { fused, reference, isFused } = trainBoth(4);

  assert.equal(isFused, false);
  assert.deepEqual(fused, reference);
});

test('adam kernel rejects mismatched shapes', async () => {
  await selectBackend('wasm', () => undefined);
  const value = tf.zeros([2, 3]);
  const wrong = tf.zeros([3, 2]);

  assert.throws(
    () => tf.engine().runKernel(ADAM_UPDATE, { value, firstMoment: value, secondMoment: value, gradient: wrong }, {}),
    /DistillLabAdamUpdate needs float32 inputs of the value's shape \[2, 3\], but "gradient" is float32 \[3, 2\]/,
  );
  tf.dispose([value, wrong]);
});
