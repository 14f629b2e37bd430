// One Adam step for one variable as a single wasm kernel. TensorFlow.js's AdamOptimizer runs
// about 12 elementwise kernels a variable (tfjs-core 4.22), each a full pass over the variable's
// memory on one thread. For the 784-1200-1200-10 MLP they took about a fifth of a training step
// (scripts/profile-step.ts, 2-core VM). This kernel reads the value, the two moments and the
// gradient once, and writes the three new tensors in one pass over the wasm heap. On the threaded
// build that pass is a WebAssembly SIMD loop (adamSimd.ts), because its memory is a shared
// WebAssembly.Memory that another module can import. The last count % 4 elements, and the other
// builds, use a JavaScript loop (see hasSimdAdamUpdate).

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import { adamSimdStepFor } from './adamSimd';

/** Name of the kernel in TensorFlow.js's registry. */
export const ADAM_UPDATE = 'DistillLabAdamUpdate';

/** Inputs of the kernel: float32 tensors of one shape. */
export interface AdamUpdateInputs {
  value: tf.TensorInfo;
  firstMoment: tf.TensorInfo;
  secondMoment: tf.TensorInfo;
  gradient: tf.TensorInfo;
}

/**
 * Step constants. `firstCorrection` and `secondCorrection` are 1 − beta1^t and 1 − beta2^t at
 * the 1-based step t, computed in float32 as AdamOptimizer does (see FusedAdamOptimizer).
 */
export interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  firstCorrection: number;
  secondCorrection: number;
}

/**
 * Returns the new value, first moment and second moment, in that order. Computes what
 * AdamOptimizer.applyGradients computes (tfjs-core 4.22) with the same float32 operations in the
 * same order, each rounded with Math.fround. Training then follows tfjs's Adam to the bit, where
 * float64 intermediates let 1-ulp differences grow over the steps.
 */
export function adamUpdateKernelFunc({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { value, firstMoment, secondMoment, gradient } = inputs as unknown as AdamUpdateInputs;
  const { learningRate, beta1, beta2, epsilon, firstCorrection, secondCorrection } = attrs as unknown as AdamUpdateAttrs;
  for (const [name, tensor] of Object.entries({ value, firstMoment, secondMoment, gradient })) {
    if (tensor === undefined || tensor.dtype !== 'float32' || !tf.util.arraysEqual(tensor.shape, value.shape)) {
      throw new Error(`${ADAM_UPDATE} needs float32 inputs of the value's shape [${value?.shape.join(', ')}], but "${name}" is ${tensor === undefined ? 'missing' : `${tensor.dtype} [${tensor.shape.join(', ')}]`}.`);
    }
  }

  const wasm = backend as BackendWasm;
  const newValue = wasm.makeOutput(value.shape, 'float32');
  const newFirst = wasm.makeOutput(value.shape, 'float32');
  const newSecond = wasm.makeOutput(value.shape, 'float32');

  // Heap views are taken after every allocation, because an allocation can grow the memory and
  // detach views taken before it.
  const w = wasm.typedArrayFromHeap(value) as Float32Array;
  const m = wasm.typedArrayFromHeap(firstMoment) as Float32Array;
  const v = wasm.typedArrayFromHeap(secondMoment) as Float32Array;
  const g = wasm.typedArrayFromHeap(gradient) as Float32Array;
  const wOut = wasm.typedArrayFromHeap(newValue) as Float32Array;
  const mOut = wasm.typedArrayFromHeap(newFirst) as Float32Array;
  const vOut = wasm.typedArrayFromHeap(newSecond) as Float32Array;

  // AdamOptimizer passes these as float32 scalars, so they are rounded the same way.
  const f = Math.fround;
  const beta1f = f(beta1);
  const beta2f = f(beta2);
  const oneMinusBeta1 = f(1 - beta1);
  const oneMinusBeta2 = f(1 - beta2);
  const firstCorrectionf = f(firstCorrection);
  const secondCorrectionf = f(secondCorrection);
  const epsilonf = f(epsilon);
  const minusLearningRate = f(-learningRate);

  let first = 0;
  const memory = sharedMemoryOf(wasm);
  if (memory !== undefined) {
    first = w.length - (w.length % 4);
    adamSimdStepFor(memory)(
      w.byteOffset, m.byteOffset, v.byteOffset, g.byteOffset, wOut.byteOffset, mOut.byteOffset, vOut.byteOffset, first,
      beta1f, beta2f, oneMinusBeta1, oneMinusBeta2, firstCorrectionf, secondCorrectionf, epsilonf, minusLearningRate,
    );
  }

  // m = m·β1 + g·(1 − β1); v = v·β2 + g²·(1 − β2); w = (m / c1) / (√(v / c2) + ε) · (−lr) + w.
  for (let i = first; i < w.length; i += 1) {
    const gi = g[i];
    const mi = f(f(m[i] * beta1f) + f(gi * oneMinusBeta1));
    const vi = f(f(v[i] * beta2f) + f(f(gi * gi) * oneMinusBeta2));
    mOut[i] = mi;
    vOut[i] = vi;
    const corrected = f(f(mi / firstCorrectionf) / f(f(Math.sqrt(f(vi / secondCorrectionf))) + epsilonf));
    wOut[i] = f(f(corrected * minusLearningRate) + w[i]);
  }
  return [newValue, newFirst, newSecond];
}

/**
 * Returns true when the kernel runs its SIMD loop on `backend`. Its JavaScript loop alone is
 * slower than tfjs's 12 kernels (37 ms against about 13 ms a step for the 784-1200-1200 MLP on
 * the single-threaded build), so FusedAdamOptimizer uses the kernel only when this is true.
 */
export function hasSimdAdamUpdate(backend: unknown): boolean {
  return typeof backend === 'object' && backend !== null && 'wasm' in backend && sharedMemoryOf(backend as BackendWasm) !== undefined;
}

/** Returns the module's WebAssembly.Memory when it is shared (the threaded build exports it as wasmMemory). */
function sharedMemoryOf(backend: BackendWasm): object | undefined {
  const memory = (backend.wasm as unknown as { wasmMemory?: { buffer?: unknown } }).wasmMemory;
  return memory !== undefined && memory.buffer instanceof SharedArrayBuffer ? memory : undefined;
}
