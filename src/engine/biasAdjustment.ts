// Output-bias adjustment for classes left out of a student's transfer set. A student that never
// saw a class learns it only from the soft targets, so its logit for that class tends to be too
// low. Hinton, Vinyals and Dean (2015) omitted the 3s from MNIST and fixed most of the student's
// errors on them by raising the bias of class 3 by a constant (3.5).
//
// Adding `offset` to a class's logit column is the same as adding it to that class's bias in the
// final Dense layer, so the search runs on stored validation logits and never touches the model.

import * as tf from '@tensorflow/tfjs';

import type { BiasAdjustmentConfig } from '../config/types';

/** At most this many omitted classes are searched jointly over the whole grid; more are searched one class at a time. */
export const JOINT_SEARCH_MAX_CLASSES = 2;

/** Coordinate-wise search stops after this many passes over the classes even if an offset still changes. */
const MAX_COORDINATE_PASSES = 10;

export interface BiasSearchResult {
  /** Offset per searched class, in the order of `classIds`. */
  offsets: number[];
  errorsBefore: number;
  errorsAfter: number;
}

/** Returns the offsets min, min + step, … ≤ max, rounded to 10 decimals so that 0.1 steps stay exact. */
export function offsetGrid(config: Pick<BiasAdjustmentConfig, 'min' | 'max' | 'step'>): number[] {
  if (!(config.step > 0)) {
    throw new Error(`The bias adjustment step must be above 0, got ${config.step}.`);
  }
  if (config.min > config.max) {
    throw new Error(`The bias adjustment range is empty: min ${config.min} is above max ${config.max}.`);
  }
  const steps = Math.floor((config.max - config.min) / config.step + 1e-9);
  return Array.from({ length: steps + 1 }, (_, index) => Number((config.min + index * config.step).toFixed(10)));
}

/** Returns the argmax of one row after adding `offsets[j]` to column `classIds[j]`; ties go to the lower class, as in evaluate.ts. */
function predictedClass(logits: Float32Array, offset: number, classes: number, shifted: Float64Array): number {
  let best = 0;
  let bestValue = logits[offset] + shifted[0];
  for (let k = 1; k < classes; k += 1) {
    const value = logits[offset + k] + shifted[k];
    if (value > bestValue) {
      best = k;
      bestValue = value;
    }
  }
  return best;
}

function shiftVector(classes: number, classIds: number[], offsets: number[]): Float64Array {
  const shifted = new Float64Array(classes);
  classIds.forEach((classId, index) => {
    shifted[classId] += offsets[index];
  });
  return shifted;
}

/** Counts misclassified rows after adding `offsets[j]` to the logits of class `classIds[j]`. */
export function countErrorsWithOffsets(
  logits: Float32Array,
  labels: Int32Array,
  count: number,
  classes: number,
  classIds: number[],
  offsets: number[],
): number {
  const shifted = shiftVector(classes, classIds, offsets);
  let errors = 0;
  for (let row = 0; row < count; row += 1) {
    if (predictedClass(logits, row * classes, classes, shifted) !== labels[row]) {
      errors += 1;
    }
  }
  return errors;
}

/** Counts, for each class in `classIds`, its examples and how many of them are misclassified under `offsets`. */
export function classErrorsWithOffsets(
  logits: Float32Array,
  labels: Int32Array,
  count: number,
  classes: number,
  classIds: number[],
  offsets: number[],
): { errors: number[]; examples: number[] } {
  const shifted = shiftVector(classes, classIds, offsets);
  const errors = classIds.map(() => 0);
  const examples = classIds.map(() => 0);
  for (let row = 0; row < count; row += 1) {
    const position = classIds.indexOf(labels[row]);
    if (position < 0) {
      continue;
    }
    examples[position] += 1;
    if (predictedClass(logits, row * classes, classes, shifted) !== labels[row]) {
      errors[position] += 1;
    }
  }
  return { errors, examples };
}

/** True when `candidate` beats `best`: fewer errors, then a smaller total |offset|. Equal candidates keep the earlier one. */
function isBetter(candidateErrors: number, candidate: number[], bestErrors: number, best: number[]): boolean {
  if (candidateErrors !== bestErrors) {
    return candidateErrors < bestErrors;
  }
  const size = (offsets: number[]) => offsets.reduce((sum, value) => sum + Math.abs(value), 0);
  return size(candidate) < size(best) - 1e-12;
}

/**
 * Searches one offset per class in `classIds` that minimises the errors on (`logits`, `labels`).
 * With up to JOINT_SEARCH_MAX_CLASSES classes every combination of grid offsets is tried. With
 * more, the search starts from the grid offset nearest 0 for every class and repeatedly sets one
 * class's offset to its best grid value while the others stay fixed, until a pass over all
 * classes changes nothing. Ties go to the smaller total |offset|, so an offset that does not
 * reduce the errors is not applied when 0 is in the grid.
 */
export function searchBiasOffsets(
  logits: Float32Array,
  labels: Int32Array,
  count: number,
  classes: number,
  classIds: number[],
  config: Pick<BiasAdjustmentConfig, 'min' | 'max' | 'step'>,
): BiasSearchResult {
  const grid = offsetGrid(config);
  const errorsBefore = countErrorsWithOffsets(logits, labels, count, classes, classIds, classIds.map(() => 0));
  const errorsOf = (offsets: number[]) => countErrorsWithOffsets(logits, labels, count, classes, classIds, offsets);

  const nearestZero = grid.reduce((best, value) => (Math.abs(value) < Math.abs(best) ? value : best), grid[0]);
  let best = classIds.map(() => nearestZero);
  let bestErrors = errorsOf(best);

  if (classIds.length <= JOINT_SEARCH_MAX_CLASSES) {
    let combinations: number[][] = [];
    if (classIds.length === 1) {
      combinations = grid.map((value) => [value]);
    } else if (classIds.length === 2) {
      combinations = grid.flatMap((first) => grid.map((second) => [first, second]));
    }
    for (const candidate of combinations) {
      const errors = errorsOf(candidate);
      if (isBetter(errors, candidate, bestErrors, best)) {
        best = candidate;
        bestErrors = errors;
      }
    }
    return { offsets: best, errorsBefore, errorsAfter: bestErrors };
  }

  for (let pass = 0; pass < MAX_COORDINATE_PASSES; pass += 1) {
    let changed = false;
    for (let position = 0; position < classIds.length; position += 1) {
      for (const value of grid) {
        const candidate = [...best];
        candidate[position] = value;
        const errors = errorsOf(candidate);
        if (isBetter(errors, candidate, bestErrors, best)) {
          best = candidate;
          bestErrors = errors;
          changed = true;
        }
      }
    }
    if (!changed) {
      break;
    }
  }
  return { offsets: best, errorsBefore, errorsAfter: bestErrors };
}

/**
 * Adds `offsets[j]` to the bias of output unit `classIds[j]` in the model's last layer, which must
 * be a Dense layer with a bias (the models that build.ts makes end in one, named `logits`).
 */
export function applyBiasOffsets(model: tf.LayersModel, classIds: number[], offsets: number[]): void {
  const last = model.layers[model.layers.length - 1];
  const weights = last.getWeights();
  if (last.getClassName() !== 'Dense' || weights.length !== 2) {
    throw new Error(`Cannot adjust the output biases: the model's last layer is a ${last.getClassName()} with ${weights.length} weights, not a Dense layer with a bias.`);
  }
  const [kernel, bias] = weights;
  const shift = Array.from(shiftVector(bias.shape[0], classIds, offsets));
  const adjusted = tf.tidy(() => tf.add(bias, tf.tensor1d(shift)));
  last.setWeights([kernel, adjusted]);
  adjusted.dispose();
}
