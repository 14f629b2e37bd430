// Compares this project's wasm kernels (src/engine/kernels) with TensorFlow.js's cpu backend,
// whose kernels are plain JavaScript and serve as the reference.

import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { selectBackend } from '../../src/engine/backend';
import { createFastBatchMatMul } from '../../src/engine/kernels/batchMatMul';
import { conv2dBackpropFilter } from '../../src/engine/kernels/conv2dBackpropFilter';

type ReferenceBackend = 'cpu' | 'wasm';

interface TensorValues {
  shape: number[];
  values: Float32Array;
}

/** Returns `count` values uniform in [-1, 1) from the mulberry32 generator, so both backends get the same inputs. */
function randomValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    values[i] = (((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return values;
}

function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
}

/** Runs `compute` on one backend and returns the shapes and values of the tensors it returns. */
async function valuesOn(backendName: ReferenceBackend, compute: () => tf.Tensor[]): Promise<TensorValues[]> {
  await tf.setBackend(backendName);
  const tensors = tf.tidy(compute);
  try {
    return tensors.map((tensor) => ({ shape: tensor.shape, values: tensor.dataSync() as Float32Array }));
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Asserts equal shapes and values within `relativeTolerance` of the largest expected
 * magnitude (at least 1), which allows float32 rounding in long sums and nothing more.
 */
function assertClose(actual: TensorValues, expected: TensorValues, label: string, relativeTolerance: number): void {
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);

  let scale = 1;
  for (const value of expected.values) {
    scale = Math.max(scale, Math.abs(value));
  }

  let worstIndex = 0;
  let worstDifference = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const difference = Math.abs(actual.values[i] - expected.values[i]);
    if (!(difference <= worstDifference)) {
      worstIndex = i;
      worstDifference = difference;
    }
  }
  assert.ok(
    worstDifference <= relativeTolerance * scale,
    `${label}: element ${worstIndex} is ${actual.values[worstIndex]} on wasm and ${expected.values[worstIndex]} on cpu ` +
      `(difference ${worstDifference}, allowed ${relativeTolerance * scale})`,
  );
}

async function assertSameOnBothBackends(
  compute: () => tf.Tensor[],
  label: string,
  relativeTolerance: number,
): Promise<void> {
  const expected = await valuesOn('cpu', compute);
  const actual = await valuesOn('wasm', compute);
  assert.equal(actual.length, expected.length, `${label}: number of outputs`);
  for (let i = 0; i < expected.length; i++) {
    assertClose(actual[i], expected[i], `${label}, output ${i}`, relativeTolerance);
  }
}

function wasmBackend(): BackendWasm {
  assert.equal(tf.getBackend(), 'wasm');
  return tf.backend() as BackendWasm;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
}

before(async () => {
  await selectBackend('wasm', () => {});
});

describe('BatchMatMul on wasm', () => {
  // Each case is the logical product [...batchA, m, k] x [...batchB, k, n]. A transposed
  // operand is stored with its two innermost axes swapped.
  const shapes = [
    { batchA: [], batchB: [], m: 3, k: 5, n: 4 },
    { batchA: [], batchB: [], m: 1, k: 6, n: 4 },
    { batchA: [], batchB: [], m: 7, k: 1, n: 9 },
    { batchA: [], batchB: [], m: 64, k: 130, n: 33 },
    // Without transposeA, computed with the operands swapped because a is short.
    { batchA: [], batchB: [], m: 8, k: 96, n: 120 },
    { batchA: [3], batchB: [3], m: 4, k: 5, n: 6 },
    { batchA: [2, 3], batchB: [3], m: 4, k: 5, n: 6 },
    { batchA: [1], batchB: [3], m: 4, k: 5, n: 2 },
    { batchA: [2], batchB: [], m: 4, k: 5, n: 6 },
    { batchA: [], batchB: [2], m: 5, k: 3, n: 6 },
  ];
  const transposeCombinations = [
    { transposeA: false, transposeB: false },
    { transposeA: true, transposeB: false },
    { transposeA: false, transposeB: true },
    { transposeA: true, transposeB: true },
  ];

  function operands(shape: (typeof shapes)[number], transposeA: boolean, transposeB: boolean, seed: number) {
    const aShape = [...shape.batchA, ...(transposeA ? [shape.k, shape.m] : [shape.m, shape.k])];
    const bShape = [...shape.batchB, ...(transposeB ? [shape.n, shape.k] : [shape.k, shape.n])];
    return { a: randomTensor(aShape, seed), b: randomTensor(bShape, seed + 1) };
  }

  function describeCase(shape: (typeof shapes)[number], transposeA: boolean, transposeB: boolean): string {
    return `[${shape.batchA}] ${shape.m}x${shape.k} by [${shape.batchB}] ${shape.k}x${shape.n}, transposeA ${transposeA}, transposeB ${transposeB}`;
  }

  test('products match cpu', async () => {
    let seed = 1;
    for (const shape of shapes) {
      for (const { transposeA, transposeB } of transposeCombinations) {
        seed += 2;
        const caseSeed = seed;
        await assertSameOnBothBackends(
          () => {
            const { a, b } = operands(shape, transposeA, transposeB, caseSeed);
            return [tf.matMul(a, b, transposeA, transposeB)];
          },
          describeCase(shape, transposeA, transposeB),
          1e-5,
        );
      }
    }
  });

  test('gradients match cpu', async () => {
    // The BatchMatMul gradient in tfjs-core 4.22 does not sum over broadcast batch axes, so it
    // rejects those shapes on every backend. Only cases with equal batch shapes are compared.
    const gradientShapes = shapes.filter((shape) => tf.util.arraysEqual(shape.batchA, shape.batchB));
    let seed = 1000;
    for (const shape of gradientShapes) {
      for (const { transposeA, transposeB } of transposeCombinations) {
        seed += 3;
        const caseSeed = seed;
        await assertSameOnBothBackends(
          () => {
            const { a, b } = operands(shape, transposeA, transposeB, caseSeed);
            const outputShape = tf.matMul(a, b, transposeA, transposeB).shape;
            // Random weights make dy random, so a wrong index in either gradient shows.
            const weights = randomTensor(outputShape, caseSeed + 2);
            const gradients = tf.grads((left: tf.Tensor, right: tf.Tensor) =>
              tf.matMul(left, right, transposeA, transposeB).mul(weights).sum(),
            );
            return gradients([a, b]);
          },
          `gradient of ${describeCase(shape, transposeA, transposeB)}`,
          1e-5,
        );
      }
    }
  });

  test('original kernel sees no transposes', async () => {
    await tf.setBackend('wasm');
    const registered = tf.getKernel(tf.BatchMatMul, 'wasm');
    const seenCalls: Array<{ aShape: number[]; bShape: number[]; attrs: tf.NamedAttrMap | undefined }> = [];
    const kernel = createFastBatchMatMul((params) => {
      const { a, b } = params.inputs as tf.BatchMatMulInputs;
      seenCalls.push({ aShape: a!.shape, bShape: b!.shape, attrs: params.attrs });
      return registered.kernelFunc(params);
    });

    const a = randomTensor([2, 5, 3], 1);
    const b = randomTensor([2, 4, 5], 2);
    const attrs: tf.BatchMatMulAttrs = { transposeA: true, transposeB: true };
    const output = kernel({ inputs: { a, b }, backend: tf.backend(), attrs: attrs as unknown as tf.NamedAttrMap });
    tf.engine().makeTensorFromTensorInfo(output as tf.TensorInfo).dispose();
    tf.dispose([a, b]);

    assert.equal(seenCalls.length, 1);
    assert.deepEqual(seenCalls[0].attrs, { transposeA: false, transposeB: false });
    assert.deepEqual(seenCalls[0].aShape, [2, 3, 5]);
    assert.deepEqual(seenCalls[0].bShape, [2, 5, 4]);
  });

  test('transposed copies are freed', async () => {
    await tf.setBackend('wasm');
    const a = randomTensor([6, 4], 1);
    const b = randomTensor([5, 6], 2);
    const dataIdsBefore = wasmBackend().numDataIds();

    tf.matMul(a, b, true, true).dispose();

    assert.equal(wasmBackend().numDataIds(), dataIdsBefore);
    tf.dispose([a, b]);
  });

  test('transposed product is not slow', async () => {
    // Without the fix this transposed product took 24x as long as the untransposed one (Node
    // 20, 2-core AMD EPYC VM). With it, the cost is one transpose more, and the 4x bound leaves
    // room for a machine busy with other work.
    await tf.setBackend('wasm');
    const a = randomTensor([128, 784], 1);
    const aTransposed = tf.transpose(a);
    const b = randomTensor([784, 512], 2);
    const timeProduct = (transposeA: boolean): number => {
      const start = performance.now();
      tf.matMul(transposeA ? aTransposed : a, b, transposeA, false).dataSync();
      return performance.now() - start;
    };

    timeProduct(false);
    timeProduct(true);
    const plainTimes: number[] = [];
    const transposedTimes: number[] = [];
    for (let run = 0; run < 5; run++) {
      plainTimes.push(timeProduct(false));
      transposedTimes.push(timeProduct(true));
    }
    tf.dispose([a, aTransposed, b]);

    const ratio = median(transposedTimes) / median(plainTimes);
    assert.ok(ratio < 4, `transposed product took ${ratio.toFixed(1)}x as long as the untransposed one`);
  });
});

describe('Conv2DBackpropFilter on wasm', () => {
  type Padding = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  interface ConvCase {
    xShape: [number, number, number, number];
    filterShape: [number, number, number, number];
    strides: number | [number, number];
    pad: Padding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  }

  const cases: ConvCase[] = [
    { xShape: [2, 7, 7, 3], filterShape: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { xShape: [2, 7, 7, 3], filterShape: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { xShape: [3, 8, 6, 2], filterShape: [2, 3, 2, 5], strides: 1, pad: 'valid' },
    { xShape: [3, 9, 9, 2], filterShape: [3, 3, 2, 5], strides: 2, pad: 'valid' },
    { xShape: [2, 8, 8, 2], filterShape: [4, 4, 2, 3], strides: 2, pad: 'same' },
    { xShape: [1, 5, 5, 1], filterShape: [5, 5, 1, 2], strides: 2, pad: 'same' },
    { xShape: [2, 6, 6, 4], filterShape: [1, 1, 4, 3], strides: [2, 1], pad: 'valid' },
    { xShape: [2, 6, 7, 2], filterShape: [3, 2, 2, 3], strides: [1, 2], pad: 'same' },
    { xShape: [2, 6, 6, 2], filterShape: [3, 3, 2, 3], strides: 1, pad: 1 },
    { xShape: [2, 7, 7, 2], filterShape: [3, 3, 2, 3], strides: 2, pad: 1, dimRoundingMode: 'ceil' },
    { xShape: [2, 6, 5, 2], filterShape: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { xShape: [2, 7, 6, 2], filterShape: [3, 2, 2, 3], strides: 2, pad: [[0, 0], [2, 0], [1, 1], [0, 0]] },
    { xShape: [8, 28, 28, 1], filterShape: [3, 3, 1, 32], strides: 1, pad: 'same' },
  ];

  function describeCase(convCase: ConvCase): string {
    const rounding = convCase.dimRoundingMode === undefined ? '' : `, rounding ${convCase.dimRoundingMode}`;
    return `x [${convCase.xShape}], filter [${convCase.filterShape}], strides ${JSON.stringify(convCase.strides)}, pad ${JSON.stringify(convCase.pad)}${rounding}`;
  }

  function convolve(x: tf.Tensor, filter: tf.Tensor, convCase: ConvCase): tf.Tensor4D {
    return tf.conv2d(
      x as tf.Tensor4D,
      filter as tf.Tensor4D,
      convCase.strides,
      convCase.pad,
      'NHWC',
      1,
      convCase.dimRoundingMode,
    );
  }

  test('filter gradients match cpu', async () => {
    let seed = 1;
    for (const convCase of cases) {
      seed += 3;
      const caseSeed = seed;
      await assertSameOnBothBackends(
        () => {
          const x = randomTensor(convCase.xShape, caseSeed);
          const filter = randomTensor(convCase.filterShape, caseSeed + 1);
          const weights = randomTensor(convolve(x, filter, convCase).shape, caseSeed + 2);
          const gradient = tf.grad((f: tf.Tensor) => convolve(x, f, convCase).mul(weights).sum());
          return [gradient(filter)];
        },
        describeCase(convCase),
        1e-5,
      );
    }
  });

  test('chunked patches give the same gradient', async () => {
    const attrs: tf.Conv2DBackpropFilterAttrs = {
      strides: 2,
      pad: 'same',
      dataFormat: 'NHWC',
      filterShape: [3, 3, 2, 4],
    };
    const xShape = [3, 9, 8, 2];
    const dyShape = [3, 5, 4, 4];
    const expected = await valuesOn('cpu', () => {
      const x = randomTensor(xShape, 1) as tf.Tensor4D;
      const dy = randomTensor(dyShape, 2) as tf.Tensor4D;
      // Filter gradient of conv2d with dy as the output gradient, taken through conv2d's gradient.
      const [, gradient] = tf.grads((input: tf.Tensor, filter: tf.Tensor) =>
        tf.conv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 2, 'same').mul(dy).sum(),
      )([x, tf.zeros(attrs.filterShape)]);
      return [gradient];
    });

    // 18 taps x 4 output columns = 72 elements per output row, so these limits give chunks of
    // 1, 2 and 4 rows, and one chunk that covers all 15 rows.
    for (const maxPatchElements of [1, 150, 300, 100_000]) {
      const [actual] = await valuesOn('wasm', () => {
        const x = randomTensor(xShape, 1);
        const dy = randomTensor(dyShape, 2);
        const output = conv2dBackpropFilter({ x, dy }, wasmBackend(), attrs, maxPatchElements);
        return [tf.engine().makeTensorFromTensorInfo(output)];
      });
      assertClose(actual, expected[0], `max patch elements ${maxPatchElements}`, 1e-5);
    }
  });

  test('intermediate tensors are freed', async () => {
    await tf.setBackend('wasm');
    const x = randomTensor([2, 6, 6, 2], 1);
    const dy = randomTensor([2, 6, 6, 3], 2);
    const attrs: tf.Conv2DBackpropFilterAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] };
    const dataIdsBefore = wasmBackend().numDataIds();

    const output = conv2dBackpropFilter({ x, dy }, wasmBackend(), attrs, 100);
    wasmBackend().disposeData(output.dataId);

    assert.equal(wasmBackend().numDataIds(), dataIdsBefore);
    tf.dispose([x, dy]);
  });

  test('NCHW data format is rejected', async () => {
    await tf.setBackend('wasm');
    const x = randomTensor([1, 2, 5, 5], 1);
    const dy = randomTensor([1, 3, 5, 5], 2);
    const attrs: tf.Conv2DBackpropFilterAttrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] };

    assert.throws(() => conv2dBackpropFilter({ x, dy }, wasmBackend(), attrs), /supports dataFormat 'NHWC' only, got 'NCHW'/);
    tf.dispose([x, dy]);
  });

  test('mismatched dy shape is rejected', async () => {
    await tf.setBackend('wasm');
    const x = randomTensor([1, 5, 5, 2], 1);
    const dy = randomTensor([1, 4, 4, 3], 2);
    const attrs: tf.Conv2DBackpropFilterAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] };

    assert.throws(() => conv2dBackpropFilter({ x, dy }, wasmBackend(), attrs), /dy has shape \[1,4,4,3\] but .* gives \[1,5,5,3\]/);
    tf.dispose([x, dy]);
  });

  test('training step matches cpu', async () => {
    const inputShape: [number, number, number] = [8, 8, 2];
    const batchSize = 4;
    const classCount = 3;

    // Returns every weight's change after one SGD step of a small conv net, with weights,
    // inputs and labels generated from fixed seeds.
    const weightUpdates = async (backendName: ReferenceBackend): Promise<TensorValues[]> => {
      await tf.setBackend(backendName);
      const model = tf.sequential({
        layers: [
          tf.layers.conv2d({ inputShape, filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }),
          tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
          tf.layers.flatten(),
          tf.layers.dense({ units: classCount, activation: 'softmax' }),
        ],
      });
      model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
      const initialWeights = model.getWeights().map((weight, index) => randomTensor(weight.shape, 100 + index));
      model.setWeights(initialWeights);
      tf.dispose(initialWeights);

      const before = model.getWeights().map((weight) => weight.dataSync().slice() as Float32Array);
      const x = randomTensor([batchSize, ...inputShape], 1);
      const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), classCount);
      await model.trainOnBatch(x, labels);
      const after = model.getWeights();

      const updates = after.map((weight, index) => ({
        shape: weight.shape,
        values: (weight.dataSync() as Float32Array).map((value, i) => value - before[index][i]),
      }));
      tf.dispose([x, labels]);
      model.dispose();
      return updates;
    };

    const expected = await weightUpdates('cpu');
    const actual = await weightUpdates('wasm');
    assert.equal(actual.length, expected.length);
    for (let i = 0; i < expected.length; i++) {
      const largestUpdate = Math.max(...Array.from(expected[i].values, Math.abs));
      assert.ok(largestUpdate > 1e-3, `weight ${i} barely changed (${largestUpdate}), so the comparison shows nothing`);
      assertClose(actual[i], expected[i], `update of weight ${i}`, 1e-4);
    }
  });
});
