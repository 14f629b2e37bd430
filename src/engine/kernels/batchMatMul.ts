// BatchMatMul for the wasm backend that keeps transposed products off the slow path.
//
// The C++ BatchMatMul of @tensorflow/tfjs-backend-wasm (src/cc/batch_mat_mul_impl.cc in the
// tfjs repository) sends only untransposed products of two operands with batch size 1 to
// XNNPACK. Other products run in a scalar loop. In 4.22 the transposed 128x784 by 784x1200
// products of a dense layer's backprop took about 13x as long as the untransposed one (Node 20,
// 2-core AMD EPYC VM). Transposing the operand with the wasm Transpose kernel takes under 5 ms
// for those sizes and keeps the product on the fast path.
//
// XNNPACK packs the second operand of each product, a new weight matrix at every training step,
// and that packing cost about as much as the multiplication for a dense layer's 1200x1200 weights
// (4.22, 2-core VM). So a 2-D product with a short a, such as a batch of 128 rows, can put the
// short operand second: a · b becomes (bᵀ · aᵀ)ᵀ and a · bᵀ becomes (b · aᵀ)ᵀ. isSwapCheaper
// decides. The forward product 128x1200 by 1200x1200 went from about 11 ms to 6 ms.
//
// NOTE: products with a batch size above 1 still take the scalar loop, transposed or not.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Creates the replacement kernel function around the BatchMatMul kernel that wasm registered. */
export function createFastBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as tf.BatchMatMulInputs;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;

    if (a === undefined || b === undefined) {
      throw new Error('BatchMatMul on wasm needs the inputs a and b, but one of them is missing.');
    }

    // The original kernel rejects dtypes other than float32 with its own message.
    const canTranspose = a.dtype === 'float32' && b.dtype === 'float32';
    if (!canTranspose) {
      return original({ inputs, backend, attrs });
    }

    const wasmBackend = backend as BackendWasm;
    const twoDimensional = a.shape.length === 2 && b.shape.length === 2;
    if (twoDimensional && !transposeA && isSwapCheaper(a.shape[0], a.shape[1], transposeB ? b.shape[0] : b.shape[1])) {
      return swappedProduct(a, b, transposeB, original, wasmBackend);
    }

    if (!transposeA && !transposeB) {
      return original({ inputs, backend, attrs });
    }

    const intermediates: tf.TensorInfo[] = [];
    try {
      let left = a;
      if (transposeA) {
        left = transposeLastTwoAxes(a, wasmBackend);
        intermediates.push(left);
      }

      let right = b;
      if (transposeB) {
        right = transposeLastTwoAxes(b, wasmBackend);
        intermediates.push(right);
      }

      const untransposedAttrs: tf.BatchMatMulAttrs = { transposeA: false, transposeB: false };
      return original({
        inputs: { a: left, b: right },
        backend,
        attrs: untransposedAttrs as unknown as tf.NamedAttrMap,
      });
    } finally {
      for (const tensor of intermediates) {
        wasmBackend.disposeData(tensor.dataId);
      }
    }
  };
}

/**
 * Returns true when a product of a [m, k] and a b of k·n elements should put a second. The swap
 * transposes a and the [n, m] result (m·k + m·n elements) and packs a instead of b, so it pays
 * off when those are fewer than the k·n elements of b.
 *
 * NOTE: a rule of thumb, measured only on dense layers with 128-row batches.
 */
export function isSwapCheaper(m: number, k: number, n: number): boolean {
  return m * k + m * n < n * k;
}

/**
 * Computes a · b as (bᵀ · aᵀ)ᵀ, or a · bᵀ as (b · aᵀ)ᵀ when `transposeB`, with untransposed
 * products only.
 */
function swappedProduct(a: tf.TensorInfo, b: tf.TensorInfo, transposeB: boolean, original: tf.KernelFunc, backend: BackendWasm): tf.TensorInfo {
  const intermediates: tf.TensorInfo[] = [];
  try {
    const transposedA = transposeLastTwoAxes(a, backend);
    intermediates.push(transposedA);
    let left = b;
    if (!transposeB) {
      left = transposeLastTwoAxes(b, backend);
      intermediates.push(left);
    }

    const untransposedAttrs: tf.BatchMatMulAttrs = { transposeA: false, transposeB: false };
    const swapped = original({ inputs: { a: left, b: transposedA }, backend, attrs: untransposedAttrs as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
    intermediates.push(swapped);
    return transposeLastTwoAxes(swapped, backend);
  } finally {
    for (const tensor of intermediates) {
      backend.disposeData(tensor.dataId);
    }
  }
}

/** Swaps the two innermost axes with the wasm Transpose kernel. The caller disposes the result. */
function transposeLastTwoAxes(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;

  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (transpose === undefined) {
    throw new Error("The wasm backend has no Transpose kernel, so BatchMatMul cannot transpose its operand. Check that @tensorflow/tfjs-backend-wasm is version 4.22.");
  }

  const transposeAttrs: tf.TransposeAttrs = { perm };
  return transpose.kernelFunc({
    inputs: { x },
    backend,
    attrs: transposeAttrs as unknown as tf.NamedAttrMap,
  }) as tf.TensorInfo;
}
