// Combines the logits of an ensemble teacher's members into one array of "ensemble logits" z',
// which the trainer and the evaluation use exactly like a single teacher's logits.
//
// arithmetic: z' = T · log(mean_i softmax(z_i / T)), so softmax(z'/T) is the mean of the
//   members' softened distributions. z' depends on T, so it is computed at the run's
//   distillation temperature.
// geometric: z' = mean_i z_i, so softmax(z'/T) is the normalised geometric mean of the members'
//   softmax(z_i/T).

import * as tf from '@tensorflow/tfjs';

import type { EnsembleCombine } from '../config/types';
import type { LogitsFunction } from './evaluate';

/** Returns z' for `count` rows of `classes` logits per member (row-major arrays of equal length). */
export function combineMemberLogits(
  memberLogits: Float32Array[],
  count: number,
  classes: number,
  temperature: number,
  combine: EnsembleCombine,
): Float32Array {
  if (memberLogits.length === 0) {
    throw new Error('An ensemble needs at least one member.');
  }
  for (const [index, logits] of memberLogits.entries()) {
    if (logits.length !== count * classes) {
      throw new Error(`Member ${index} has ${logits.length} logits, expected ${count} examples × ${classes} classes = ${count * classes}.`);
    }
  }
  if (!(temperature > 0)) {
    throw new Error(`The temperature must be above 0, got ${temperature}.`);
  }

  const members = memberLogits.length;
  const result = new Float32Array(count * classes);
  const scaled = new Float64Array(classes);
  const probabilitySums = new Float64Array(classes);
  for (let row = 0; row < count; row += 1) {
    const offset = row * classes;
    if (combine === 'geometric') {
      for (let k = 0; k < classes; k += 1) {
        let sum = 0;
        for (const logits of memberLogits) {
          sum += logits[offset + k];
        }
        result[offset + k] = sum / members;
      }
      continue;
    }

    probabilitySums.fill(0);
    for (const logits of memberLogits) {
      let max = -Infinity;
      for (let k = 0; k < classes; k += 1) {
        scaled[k] = logits[offset + k] / temperature;
        max = Math.max(max, scaled[k]);
      }
      let normaliser = 0;
      for (let k = 0; k < classes; k += 1) {
        normaliser += Math.exp(scaled[k] - max);
      }
      for (let k = 0; k < classes; k += 1) {
        probabilitySums[k] += Math.exp(scaled[k] - max) / normaliser;
      }
    }
    for (let k = 0; k < classes; k += 1) {
      result[offset + k] = temperature * Math.log(probabilitySums[k] / members);
    }
  }
  return result;
}

/**
 * Returns a LogitsFunction of the ensemble: it runs every member on the batch and combines their
 * logits as combineMemberLogits does, on the backend. Used when the student's inputs are jittered,
 * so the teacher must see each augmented batch.
 */
export function ensemblePredict(members: LogitsFunction[], temperature: number, combine: EnsembleCombine): LogitsFunction {
  if (members.length === 0) {
    throw new Error('An ensemble needs at least one member.');
  }
  return (inputs) =>
    tf.tidy(() => {
      const stacked = tf.stack(members.map((predict) => predict(inputs))) as tf.Tensor3D;
      if (combine === 'geometric') {
        return tf.mean(stacked, 0) as tf.Tensor2D;
      }
      // log(mean_i p_i) = logSumExp_i(log p_i) − log(members); the softmax is over the class axis.
      const logProbabilities = tf.logSoftmax(tf.div(stacked, temperature));
      const logMean = tf.sub(tf.logSumExp(logProbabilities, 0), Math.log(members.length));
      return tf.mul(logMean, temperature) as tf.Tensor2D;
    });
}
