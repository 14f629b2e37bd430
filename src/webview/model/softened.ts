// Decodes the softened/ subset that the host sends (little-endian file bytes) into typed arrays,
// and finds, filters and draws single examples for the sample explorer.

import type { ModelRole } from '../../config/types';
import type { StoredSubsetLayout } from '../../protocol/messages';
import type { SoftenedSubset } from '../../protocol/webview';
import { argmax, softmaxAt } from './maths';

export const modelRoles: readonly ModelRole[] = ['teacher', 'distilled', 'baseline'];

export interface DecodedSoftened extends StoredSubsetLayout {
  labels: Int32Array;
  /** Pixel bytes (uint8) or features (float32), `count × features` values. */
  inputs: Uint8Array | Float32Array;
  logits: Partial<Record<ModelRole, Float32Array>>;
  /** Models whose logits are present, in role order. */
  roles: ModelRole[];
  /** predictions[role][i] = argmax of example i's logits. */
  predictions: Partial<Record<ModelRole, Int32Array>>;
}

function readInt32(buffer: ArrayBuffer, count: number): Int32Array {
  const view = new DataView(buffer);
  const values = new Int32Array(count);
  for (let i = 0; i < count; i += 1) {
    values[i] = view.getInt32(i * 4, true);
  }
  return values;
}

function readFloat32(buffer: ArrayBuffer, count: number): Float32Array {
  const view = new DataView(buffer);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    values[i] = view.getFloat32(i * 4, true);
  }
  return values;
}

/**
 * Decodes a softened subset. Throws an Error that names the file whose size does not match
 * `count`, `classes` and `features`, because a truncated file would shift every later example.
 */
export function decodeSoftened(subset: SoftenedSubset): DecodedSoftened {
  const { count, classes, features } = subset;
  const expectSize = (name: string, buffer: ArrayBuffer, bytes: number): void => {
    if (buffer.byteLength !== bytes) {
      throw new Error(`softened/${name} has ${buffer.byteLength} bytes, but ${count} examples need ${bytes}.`);
    }
  };

  expectSize('labels.i32', subset.labels, count * 4);
  const labels = readInt32(subset.labels, count);

  let inputs: Uint8Array | Float32Array;
  if (subset.inputFormat === 'uint8') {
    expectSize('inputs.u8', subset.inputs, count * features);
    inputs = new Uint8Array(subset.inputs.slice(0));
  } else {
    expectSize('inputs.f32', subset.inputs, count * features * 4);
    inputs = readFloat32(subset.inputs, count * features);
  }

  const logits: Partial<Record<ModelRole, Float32Array>> = {};
  const predictions: Partial<Record<ModelRole, Int32Array>> = {};
  const roles: ModelRole[] = [];
  for (const role of modelRoles) {
    const buffer = subset.logits[role];
    if (buffer === undefined) {
      continue;
    }
    expectSize(`${role}.f32`, buffer, count * classes * 4);
    const values = readFloat32(buffer, count * classes);
    const predicted = new Int32Array(count);
    for (let i = 0; i < count; i += 1) {
      predicted[i] = argmax(values, i * classes, classes);
    }
    logits[role] = values;
    predictions[role] = predicted;
    roles.push(role);
  }

  return { count, classes, features, shape: subset.shape, inputFormat: subset.inputFormat, labels, inputs, logits, roles, predictions };
}

/** Returns one example's softened distribution for one model, or undefined when that model has no stored logits. */
export function exampleDistribution(softened: DecodedSoftened, role: ModelRole, index: number, temperature: number): Float64Array | undefined {
  const logits = softened.logits[role];
  return logits === undefined ? undefined : softmaxAt(logits, index * softened.classes, softened.classes, temperature);
}

/** The examples that the explorer steps through: all, those a model misclassified, or one class. */
export type ExampleFilter = { kind: 'all' } | { kind: 'misclassified'; role: ModelRole | 'any' } | { kind: 'class'; label: number };

export function matchesFilter(softened: DecodedSoftened, index: number, filter: ExampleFilter): boolean {
  const label = softened.labels[index];
  if (filter.kind === 'all') {
    return true;
  }
  if (filter.kind === 'class') {
    return label === filter.label;
  }
  const roles = filter.role === 'any' ? softened.roles : [filter.role];
  return roles.some((role) => {
    const predicted = softened.predictions[role];
    return predicted !== undefined && predicted[index] !== label;
  });
}

/**
 * Returns the next example after `from` (or before it, for step -1) that matches the filter,
 * wrapping around the subset; undefined when none matches.
 */
export function stepExample(softened: DecodedSoftened, from: number, step: 1 | -1, filter: ExampleFilter): number | undefined {
  const { count } = softened;
  for (let offset = 1; offset <= count; offset += 1) {
    const index = (((from + step * offset) % count) + count) % count;
    if (matchesFilter(softened, index, filter)) {
      return index;
    }
  }
  return undefined;
}

/** Counts the examples that match a filter. */
export function countMatches(softened: DecodedSoftened, filter: ExampleFilter): number {
  let matches = 0;
  for (let i = 0; i < softened.count; i += 1) {
    if (matchesFilter(softened, i, filter)) {
      matches += 1;
    }
  }
  return matches;
}

/** True when the inputs can be drawn as an image: height and width above 1, and 1 or 3 channels. */
export function isImageShape(shape: [number, number, number], features: number): boolean {
  const [height, width, channels] = shape;
  return height > 1 && width > 1 && (channels === 1 || channels === 3) && height * width * channels === features;
}

/**
 * Returns one example's pixels as RGBA bytes for a canvas of shape[1] × shape[0]. Float inputs
 * are stretched from their own minimum to their maximum, because their normalisation is unknown here.
 */
export function exampleRgba(softened: DecodedSoftened, index: number): Uint8ClampedArray<ArrayBuffer> {
  const [height, width, channels] = softened.shape;
  const start = index * softened.features;
  const values = softened.inputs.subarray(start, start + softened.features);

  let low = 0;
  let high = 255;
  if (softened.inputFormat === 'float32') {
    low = Infinity;
    high = -Infinity;
    for (let k = 0; k < values.length; k += 1) {
      low = Math.min(low, values[k]);
      high = Math.max(high, values[k]);
    }
    if (!(high > low)) {
      high = low + 1;
    }
  }
  const toByte = (value: number): number => Math.round(((value - low) / (high - low)) * 255);

  const rgba = new Uint8ClampedArray(height * width * 4);
  for (let pixel = 0; pixel < height * width; pixel += 1) {
    const base = pixel * channels;
    const red = toByte(values[base]);
    rgba[pixel * 4] = red;
    rgba[pixel * 4 + 1] = channels === 3 ? toByte(values[base + 1]) : red;
    rgba[pixel * 4 + 2] = channels === 3 ? toByte(values[base + 2]) : red;
    rgba[pixel * 4 + 3] = 255;
  }
  return rgba;
}
