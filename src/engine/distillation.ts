// Distillation losses of Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network"
// (2015). All functions take logits (pre-softmax) of shape [batch, classes] and return the mean
// over the batch.

import * as tf from '@tensorflow/tfjs';

import type { DistillationConfig } from '../config/types';

/** Returns softmax(logits / T), the "softened" distribution at temperature T. */
export function softenedSoftmax(logits: tf.Tensor2D, temperature: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.div(logits, temperature)) as tf.Tensor2D);
}

/**
 * Cross-entropy H(p, q) between the teacher's softened distribution p and the student's q at
 * temperature T. Its gradient with respect to the student's logit z_i is (q_i - p_i) / T per
 * example, which is why callers multiply the term by T² to keep its scale as T changes.
 */
export function softCrossEntropy(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const teacherProbabilities = softenedSoftmax(teacherLogits, temperature);
    const studentLogProbabilities = tf.logSoftmax(tf.div(studentLogits, temperature));
    return tf.neg(tf.mean(tf.sum(tf.mul(teacherProbabilities, studentLogProbabilities), 1))) as tf.Scalar;
  });
}

/**
 * Kullback-Leibler divergence KL(p || q) at temperature T. It differs from the soft
 * cross-entropy by the teacher's entropy, a constant for the student, so the gradients match.
 */
export function softKullbackLeibler(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const teacherLogProbabilities = tf.logSoftmax(tf.div(teacherLogits, temperature));
    const teacherProbabilities = tf.exp(teacherLogProbabilities);
    const studentLogProbabilities = tf.logSoftmax(tf.div(studentLogits, temperature));
    const pointwise = tf.mul(teacherProbabilities, tf.sub(teacherLogProbabilities, studentLogProbabilities));
    return tf.mean(tf.sum(pointwise, 1)) as tf.Scalar;
  });
}

/**
 * Mean entropy H(p) = −Σ_i p_i log p_i, in nats, of the teacher's softened distribution
 * p = softmax(v / T) over the batch.
 */
export function softenedEntropy(teacherLogits: tf.Tensor2D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(tf.div(teacherLogits, temperature));
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logProbabilities), logProbabilities), 1))) as tf.Scalar;
  });
}

/**
 * Computes the same mean entropy as `softenedEntropy` over row-major logits, in float64 on the
 * CPU, so that a trainer with cached teacher logits computes it once and adds no kernel to a step.
 */
export function meanSoftenedEntropy(logits: Float32Array, classes: number, temperature: number): number {
  const rows = logits.length / classes;
  if (!Number.isInteger(rows) || rows === 0) {
    throw new Error(`Invalid logits: ${logits.length} values are not a positive multiple of ${classes} classes. Pass one row of ${classes} logits per example.`);
  }
  let total = 0;
  for (let row = 0; row < rows; row += 1) {
    const offset = row * classes;
    let max = -Infinity;
    for (let i = 0; i < classes; i += 1) {
      max = Math.max(max, logits[offset + i] / temperature);
    }
    // With a = z / T − max: log p_i = a_i − log Σ e^a, so H = log Σ e^a − Σ e^a_i · a_i / Σ e^a.
    let partition = 0;
    let weighted = 0;
    for (let i = 0; i < classes; i += 1) {
      const shifted = logits[offset + i] / temperature - max;
      const exponential = Math.exp(shifted);
      partition += exponential;
      weighted += exponential * shifted;
    }
    total += Math.log(partition) - weighted / partition;
  }
  return total / rows;
}

/**
 * Returns the factor of the teacher's entropy H(p) inside the soft term of `softTerm`, so that
 * soft − factor · H(p) is the soft term's KL(p ‖ q) part on the same scale. The factor is T² for
 * `soft-cross-entropy`, or 1 without `scaleByTemperatureSquared`. It is 0 for `kl`, whose soft
 * term already is the KL, and undefined for `logit-mse`, which has no KL part.
 */
export function teacherEntropyFactor(config: DistillationConfig): number | undefined {
  switch (config.loss) {
    case 'logit-mse':
      return undefined;
    case 'kl':
      return 0;
    case 'soft-cross-entropy':
      return config.scaleByTemperatureSquared ? config.temperature * config.temperature : 1;
  }
}

/**
 * Squared distance between zero-meaned logits, (1 / 2N) Σ_i (z_i − v_i)² per example for N
 * classes. This is the high-temperature limit of T² · H(p, q) when both sets of logits have zero
 * mean, so it is already on the T²-scaled scale and does not depend on T.
 */
export function logitMatching(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const centredStudent = tf.sub(studentLogits, tf.mean(studentLogits, 1, true));
    const centredTeacher = tf.sub(teacherLogits, tf.mean(teacherLogits, 1, true));
    const classes = studentLogits.shape[1];
    const squared = tf.sum(tf.square(tf.sub(centredStudent, centredTeacher)), 1);
    return tf.div(tf.mean(squared), 2 * classes) as tf.Scalar;
  });
}

/** Ordinary cross-entropy with the true labels (one-hot), at temperature 1. */
export function hardCrossEntropy(logits: tf.Tensor2D, oneHotLabels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHotLabels, logProbabilities), 1))) as tf.Scalar;
  });
}

/**
 * Returns the soft term of the configured loss, multiplied by T² when
 * `scaleByTemperatureSquared` is set. `logit-mse` is never multiplied: it is the limit of the
 * scaled cross-entropy already.
 */
export function softTerm(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, config: DistillationConfig): tf.Scalar {
  return tf.tidy(() => {
    const temperature = config.temperature;
    if (config.loss === 'logit-mse') {
      return logitMatching(studentLogits, teacherLogits);
    }
    const raw =
      config.loss === 'kl'
        ? softKullbackLeibler(studentLogits, teacherLogits, temperature)
        : softCrossEntropy(studentLogits, teacherLogits, temperature);
    return config.scaleByTemperatureSquared ? (tf.mul(raw, temperature * temperature) as tf.Scalar) : raw;
  });
}

export interface DistillationLossParts {
  total: tf.Scalar;
  soft: tf.Scalar;
  hard: tf.Scalar;
}

/**
 * Computes softWeight · soft + hardWeight · hard. Pass `oneHotLabels` as null for an unlabeled
 * transfer set: the hard term is then zero. The caller owns the three returned scalars.
 */
export function distillationLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  oneHotLabels: tf.Tensor2D | null,
  config: DistillationConfig,
): DistillationLossParts {
  const soft = softTerm(studentLogits, teacherLogits, config);
  const hard = oneHotLabels === null ? tf.scalar(0) : hardCrossEntropy(studentLogits, oneHotLabels);
  const hardWeight = oneHotLabels === null ? 0 : config.hardWeight;
  const total = tf.tidy(() => tf.add(tf.mul(soft, config.softWeight), tf.mul(hard, hardWeight)) as tf.Scalar);
  return { total, soft, hard };
}
