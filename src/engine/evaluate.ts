// Test-set metrics computed from logits: accuracy, errors, per-class accuracy, confusion, and
// the mean softened distribution per true class.

import * as tf from '@tensorflow/tfjs';

import type { ModelRole } from '../config/types';
import type { ModelEvaluation } from '../protocol/messages';
import type { Split } from './data/dataset';

/** Maps a batch of flat inputs [n, features] to logits [n, classes]. */
export type LogitsFunction = (inputs: tf.Tensor2D) => tf.Tensor2D;

const inferenceChunk = 1000;

/** Runs `predict` over all examples in chunks and returns the logits, row-major. */
export async function predictLogits(predict: LogitsFunction, split: Split, features: number, classes: number): Promise<Float32Array> {
  const logits = new Float32Array(split.count * classes);
  for (let start = 0; start < split.count; start += inferenceChunk) {
    const count = Math.min(inferenceChunk, split.count - start);
    const chunk = tf.tidy(() => {
      const inputs = tf.tensor2d(split.x.subarray(start * features, (start + count) * features), [count, features]);
      return predict(inputs);
    });
    const values = (await chunk.data()) as Float32Array;
    chunk.dispose();
    if (values.length !== count * classes) {
      throw new Error(`The model returned ${values.length / count} outputs per example, but the data has ${classes} classes.`);
    }
    logits.set(values, start * classes);
  }
  return logits;
}

export interface LogitStatistics {
  errors: number;
  accuracy: number;
  /** Mean cross-entropy with the true labels, at temperature 1. */
  loss: number;
  perClassAccuracy: (number | null)[];
  confusion: number[][];
}

function argmax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k += 1) {
    if (values[offset + k] > values[offset + best]) {
      best = k;
    }
  }
  return best;
}

/** Returns log-softmax(row / temperature) for one row of logits. */
export function logSoftmaxRow(logits: Float32Array, offset: number, classes: number, temperature: number): Float64Array {
  const result = new Float64Array(classes);
  let max = -Infinity;
  for (let k = 0; k < classes; k += 1) {
    max = Math.max(max, logits[offset + k] / temperature);
  }
  let sum = 0;
  for (let k = 0; k < classes; k += 1) {
    sum += Math.exp(logits[offset + k] / temperature - max);
  }
  const logSum = Math.log(sum) + max;
  for (let k = 0; k < classes; k += 1) {
    result[k] = logits[offset + k] / temperature - logSum;
  }
  return result;
}

export function logitStatistics(logits: Float32Array, labels: Int32Array, count: number, classes: number): LogitStatistics {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let errors = 0;
  let lossSum = 0;
  for (let i = 0; i < count; i += 1) {
    const predicted = argmax(logits, i * classes, classes);
    const label = labels[i];
    confusion[label][predicted] += 1;
    if (predicted !== label) {
      errors += 1;
    }
    lossSum -= logSoftmaxRow(logits, i * classes, classes, 1)[label];
  }
  const perClassAccuracy = confusion.map((row, label) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[label] / total;
  });
  return {
    errors,
    accuracy: count === 0 ? 0 : (count - errors) / count,
    loss: count === 0 ? 0 : lossSum / count,
    perClassAccuracy,
    confusion,
  };
}

/** Mean of softmax(logits / T) over the examples of each true class: result[trueClass][class]. */
export function meanSoftenedByClass(logits: Float32Array, labels: Int32Array, count: number, classes: number, temperature: number): number[][] {
  const sums = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < count; i += 1) {
    const logProbabilities = logSoftmaxRow(logits, i * classes, classes, temperature);
    const label = labels[i];
    counts[label] += 1;
    for (let k = 0; k < classes; k += 1) {
      sums[label][k] += Math.exp(logProbabilities[k]);
    }
  }
  return sums.map((row, label) => row.map((value) => (counts[label] === 0 ? 0 : value / counts[label])));
}

export interface EvaluationResult {
  evaluation: ModelEvaluation;
  logits: Float32Array;
}

/** Test logits computed elsewhere (an ensemble's, combined from its members'), with their inference time. */
export interface PrecomputedLogits {
  logits: Float32Array;
  inferenceMsPerExample: number;
}

export interface EvaluationInput {
  role: ModelRole;
  predict: LogitsFunction;
  /** When set, `predict` is not run on the test split. */
  precomputed?: PrecomputedLogits;
  test: Split;
  features: number;
  classes: number;
  temperature: number;
  parameters: number;
  trainingSeconds: number;
}

/** Evaluates one model on the test split and times its inference. */
export async function evaluateModel(input: EvaluationInput): Promise<EvaluationResult> {
  const started = performance.now();
  const logits = input.precomputed?.logits ?? (await predictLogits(input.predict, input.test, input.features, input.classes));
  const elapsedMs = performance.now() - started;
  const inferenceMsPerExample = input.precomputed?.inferenceMsPerExample ?? (input.test.count === 0 ? 0 : elapsedMs / input.test.count);
  const statistics = logitStatistics(logits, input.test.y, input.test.count, input.classes);
  return {
    logits,
    evaluation: {
      role: input.role,
      accuracy: statistics.accuracy,
      errors: statistics.errors,
      examples: input.test.count,
      perClassAccuracy: statistics.perClassAccuracy,
      confusion: statistics.confusion,
      meanSoftened: meanSoftenedByClass(logits, input.test.y, input.test.count, input.classes, input.temperature),
      parameters: input.parameters,
      trainingSeconds: input.trainingSeconds,
      inferenceMsPerExample,
    },
  };
}
