// Conv2DBackpropFilter for the wasm backend, which @tensorflow/tfjs-backend-wasm 4.22 lacks,
// so without it no convolution can train there.
//
// The filter gradient is a matrix product over im2col patches:
//   dW[k, c] = sum over m of patches[m, k] * dy[m, c]
// where m runs over the output positions (image, row, column), k over the filter taps
// (filter row, filter column, input channel) and c over the output channels. The kernel
// writes patchesᵀ [K, M] straight from the input's wasm heap memory, so the product
// patchesᵀ · dy needs no transpose and runs on the XNNPACK path of BatchMatMul.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Upper bound on the elements of one patch matrix (16 MiB of float32). Larger problems are
 * split into chunks of output rows whose partial gradients are summed, because the wasm heap
 * never shrinks after it grows. Smaller chunks cost no speed: for a 64x28x28x32 input and a
 * 3x3x32x64 filter, chunks of 0.25 to 4 Mi elements took 130 to 160 ms and a single 14 Mi
 * element matrix 190 ms (Node 20, 2-core AMD EPYC VM).
 */
export const DEFAULT_MAX_PATCH_ELEMENTS = 4 * 1024 * 1024;

/** Kernel function that `registerWasmKernels` registers for the 'wasm' backend. */
export const conv2dBackpropFilterKernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) =>
  conv2dBackpropFilter(
    inputs as tf.Conv2DBackpropFilterInputs,
    backend as BackendWasm,
    attrs as unknown as tf.Conv2DBackpropFilterAttrs,
  );

/**
 * Computes the gradient of a 2-D convolution with respect to its filter, for NHWC tensors.
 *
 * `maxPatchElements` bounds the patch matrix built per chunk, and tests lower it to
 * exercise the chunked path on small inputs. The caller owns the returned tensor data.
 */
export function conv2dBackpropFilter(
  inputs: tf.Conv2DBackpropFilterInputs,
  backend: BackendWasm,
  attrs: tf.Conv2DBackpropFilterAttrs,
  maxPatchElements = DEFAULT_MAX_PATCH_ELEMENTS,
): tf.TensorInfo {
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined) {
    throw new Error('Conv2DBackpropFilter on wasm needs the inputs x and dy, but one of them is missing.');
  }
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  checkInputs(x, dy, dataFormat);

  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expectedDyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (!tf.util.arraysEqual(dy.shape, expectedDyShape)) {
    throw new Error(
      `Conv2DBackpropFilter on wasm: dy has shape [${dy.shape}] but the convolution of x ` +
        `[${x.shape}] with filter [${filterShape}] gives [${expectedDyShape}].`,
    );
  }

  const tapCount = info.filterHeight * info.filterWidth * info.inChannels;
  const outputRowCount = info.batchSize * info.outHeight;
  if (outputRowCount === 0 || info.outWidth === 0 || tapCount === 0) {
    const zeros = new Float32Array(tf.util.sizeFromShape(filterShape));
    return backend.makeOutput([...filterShape], 'float32', undefined, zeros);
  }

  const rowsPerChunk = Math.max(1, Math.floor(maxPatchElements / (tapCount * info.outWidth)));
  let gradient: tf.TensorInfo | undefined;
  try {
    for (let firstRow = 0; firstRow < outputRowCount; firstRow += rowsPerChunk) {
      const endRow = Math.min(outputRowCount, firstRow + rowsPerChunk);
      const partial = multiplyChunk(x, dy, info, firstRow, endRow, backend);

      if (gradient === undefined) {
        gradient = partial;
      } else {
        addInto(gradient, partial, backend);
        backend.disposeData(partial.dataId);
      }
    }
  } catch (error) {
    if (gradient !== undefined) {
      backend.disposeData(gradient.dataId);
    }
    throw error;
  }

  // The product's layout [K, outChannels] with k = (row * filterWidth + column) * inChannels
  // + channel is the HWIO filter layout, so only the shape changes.
  return { dataId: gradient!.dataId, shape: [...filterShape], dtype: 'float32' };
}

function checkInputs(x: tf.TensorInfo, dy: tf.TensorInfo, dataFormat: string): void {
  if (dataFormat !== 'NHWC') {
    throw new Error(
      `Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got '${dataFormat}'. ` +
        "Use channels-last tensors, or set \"backend\": \"cpu\".",
    );
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(
      `Conv2DBackpropFilter on wasm needs float32 tensors, got x ${x.dtype} and dy ${dy.dtype}. Cast them with tf.cast first.`,
    );
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(
      `Conv2DBackpropFilter on wasm needs rank-4 x and dy, got shapes [${x.shape}] and [${dy.shape}].`,
    );
  }
}

/**
 * Multiplies patchesᵀ by dy over output rows [firstRow, endRow), where row r is image
 * floor(r / outHeight), output row r % outHeight. Returns a [1, K, outChannels] tensor.
 */
function multiplyChunk(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  firstRow: number,
  endRow: number,
  backend: BackendWasm,
): tf.TensorInfo {
  const tapCount = info.filterHeight * info.filterWidth * info.inChannels;
  const columnCount = (endRow - firstRow) * info.outWidth;

  // dy is copied to a fresh tensor even when one chunk covers it. The wasm BatchMatMul caches
  // XNNPACK's packed copy of its right operand by tensor id, not by shape, so passing dy's own
  // id with a reshaped view could reuse a packing made for another shape of the same data.
  const patches = backend.makeOutput([1, tapCount, columnCount], 'float32');
  const dyChunk = backend.makeOutput([1, columnCount, info.outChannels], 'float32');
  try {
    // Heap views are taken after every allocation above, because malloc may grow the wasm
    // memory and detach older views.
    const xValues = backend.typedArrayFromHeap(x) as Float32Array;
    const patchValues = backend.typedArrayFromHeap(patches) as Float32Array;
    writePatchesTransposed(xValues, patchValues, info, firstRow, endRow);

    const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
    const dyChunkValues = backend.typedArrayFromHeap(dyChunk) as Float32Array;
    const dyRowLength = info.outWidth * info.outChannels;
    dyChunkValues.set(dyValues.subarray(firstRow * dyRowLength, endRow * dyRowLength));

    const batchMatMul = tf.getKernel(tf.BatchMatMul, 'wasm');
    const matMulAttrs: tf.BatchMatMulAttrs = { transposeA: false, transposeB: false };
    return batchMatMul.kernelFunc({
      inputs: { a: patches, b: dyChunk },
      backend,
      attrs: matMulAttrs as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
  } finally {
    backend.disposeData(patches.dataId);
    backend.disposeData(dyChunk.dataId);
  }
}

/**
 * Fills `patches` ([K, columns], every element written) with the input value under each
 * filter tap for each output position of rows [firstRow, endRow), or 0 in the padding.
 */
function writePatchesTransposed(
  xValues: Float32Array,
  patches: Float32Array,
  info: tf.backend_util.Conv2DInfo,
  firstRow: number,
  endRow: number,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const columnCount = (endRow - firstRow) * outWidth;
  const inputStep = strideWidth * inChannels;

  let tap = 0;
  for (let filterRow = 0; filterRow < info.filterHeight; filterRow++) {
    for (let filterColumn = 0; filterColumn < info.filterWidth; filterColumn++) {
      // Output columns whose input column outColumn * strideWidth + filterColumn - padLeft
      // falls inside [0, inWidth); the others read padding.
      const firstInside = clamp(Math.ceil((padLeft - filterColumn) / strideWidth), 0, outWidth);
      const endInside = clamp(
        Math.ceil((inWidth + padLeft - filterColumn) / strideWidth),
        firstInside,
        outWidth,
      );

      for (let channel = 0; channel < inChannels; channel++, tap++) {
        let target = tap * columnCount;
        for (let row = firstRow; row < endRow; row++, target += outWidth) {
          const image = Math.floor(row / outHeight);
          const outRow = row - image * outHeight;
          const inRow = outRow * strideHeight + filterRow - padTop;
          if (inRow < 0 || inRow >= inHeight) {
            patches.fill(0, target, target + outWidth);
            continue;
          }

          patches.fill(0, target, target + firstInside);
          const firstInColumn = firstInside * strideWidth + filterColumn - padLeft;
          let source = ((image * inHeight + inRow) * inWidth + firstInColumn) * inChannels + channel;
          for (let outColumn = firstInside; outColumn < endInside; outColumn++) {
            patches[target + outColumn] = xValues[source];
            source += inputStep;
          }
          patches.fill(0, target + endInside, target + outWidth);
        }
      }
    }
  }
}

/** Adds `partial` into `sum`, element by element; both are float32 of the same size. */
function addInto(sum: tf.TensorInfo, partial: tf.TensorInfo, backend: BackendWasm): void {
  const sumValues = backend.typedArrayFromHeap(sum) as Float32Array;
  const partialValues = backend.typedArrayFromHeap(partial) as Float32Array;
  for (let i = 0; i < sumValues.length; i++) {
    sumValues[i] += partialValues[i];
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
