// Kernels that this project registers on TensorFlow.js's 'wasm' backend.

import * as tf from '@tensorflow/tfjs';
// Loading the package registers the 'wasm' backend and its kernels, which these fixes wrap.
import '@tensorflow/tfjs-backend-wasm';

import { ADAM_UPDATE, adamUpdateKernelFunc } from './adamUpdate';
import { createFastBatchMatMul } from './batchMatMul';
import { conv2dBackpropFilterKernelFunc } from './conv2dBackpropFilter';

// Symbol.for gives the same key to every copy of this module (a bundle and the sources can
// both be loaded in one process), so no copy wraps another copy's kernel a second time.
const PROJECT_KERNEL = Symbol.for('distill-lab.wasmKernel');

type ProjectKernelFunc = tf.KernelFunc & { [PROJECT_KERNEL]?: true };

/**
 * Registers the BatchMatMul and Conv2DBackpropFilter fixes and the fused Adam step on the 'wasm'
 * backend, and returns the names of this project's kernels now in the registry. Calling it again
 * changes nothing.
 *
 * A Conv2DBackpropFilter that the wasm package itself provides (in a version newer than
 * 4.22) is kept, and then that name is not returned.
 */
export function registerWasmKernels(): string[] {
  const names: string[] = [];
  if (installFastBatchMatMul()) {
    names.push(tf.BatchMatMul);
  }
  if (installConv2dBackpropFilter()) {
    names.push(tf.Conv2DBackpropFilter);
  }
  if (installAdamUpdate()) {
    names.push(ADAM_UPDATE);
  }
  return names;
}

function installAdamUpdate(): boolean {
  const current = tf.getKernel(ADAM_UPDATE, 'wasm');
  if (current !== undefined) {
    return isProjectKernel(current.kernelFunc);
  }
  tf.registerKernel({ kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: markAsProjectKernel(adamUpdateKernelFunc as tf.KernelFunc) });
  return true;
}

function installFastBatchMatMul(): boolean {
  const current = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (current === undefined) {
    throw new Error(
      'The wasm backend has no BatchMatMul kernel to wrap. Check that @tensorflow/tfjs-backend-wasm 4.22 is installed and loads.',
    );
  }
  if (isProjectKernel(current.kernelFunc)) {
    return true;
  }

  // The replacement keeps the original setup and dispose functions, which prepare the
  // wasm function that the original kernel calls.
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({ ...current, kernelFunc: markAsProjectKernel(createFastBatchMatMul(current.kernelFunc)) });
  return true;
}

function installConv2dBackpropFilter(): boolean {
  const current = tf.getKernel(tf.Conv2DBackpropFilter, 'wasm');
  if (current !== undefined) {
    return isProjectKernel(current.kernelFunc);
  }

  tf.registerKernel({
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: markAsProjectKernel(conv2dBackpropFilterKernelFunc),
  });
  return true;
}

function markAsProjectKernel(kernelFunc: tf.KernelFunc): ProjectKernelFunc {
  const marked: ProjectKernelFunc = (params) => kernelFunc(params);
  marked[PROJECT_KERNEL] = true;
  return marked;
}

function isProjectKernel(kernelFunc: tf.KernelFunc): boolean {
  return (kernelFunc as ProjectKernelFunc)[PROJECT_KERNEL] === true;
}
