// The training loop shared by the teacher, the distilled student and the baseline student.
// Batches are gathered from typed arrays into reusable buffers. The order of examples and the
// jitter depend only on `orderSeed`, so two students given the same seed see the same batches.

import * as tf from '@tensorflow/tfjs';

import type { AugmentConfig, DistillationConfig, LearningRateSchedule, ModelRole, TrainConfig } from '../config/types';
import type { EpochMetrics, ProgressUpdate } from '../protocol/messages';
import { createRng, gatherLabels, gatherRows, jitterImages, shuffledOrder } from './data/batches';
import type { Split } from './data/dataset';
import { distillationLoss, hardCrossEntropy, meanSoftenedEntropy, softenedEntropy, teacherEntropyFactor } from './distillation';
import { FusedAdamOptimizer } from './fusedAdam';
import { logitStatistics, predictLogits, type LogitsFunction } from './evaluate';
import { applyConstraints, forward, trainableVariables } from './models/build';

export class CancelledError extends Error {
  constructor() {
    super('The run was cancelled.');
  }
}

export class NonFiniteLossError extends Error {}

/** Source of a distilled student's soft targets. */
export interface SoftTargets {
  config: DistillationConfig;
  /** Teacher logits for every training example, row-major; computed once when inputs are not augmented. */
  cachedLogits?: Float32Array;
  /** Teacher applied to each (augmented) batch, when `cachedLogits` is absent. */
  teacher?: LogitsFunction;
  /** False for an unlabeled transfer set: the hard term is dropped. */
  useLabels: boolean;
}

export type { EpochMetrics, ProgressUpdate };

export interface TrainingTask {
  role: ModelRole;
  model: tf.LayersModel;
  train: TrainConfig;
  augment: AugmentConfig;
  data: Split;
  validation: Split;
  features: number;
  classes: number;
  shape: [number, number, number];
  /** Seeds the shuffles and the jitter. */
  orderSeed: string;
  /** Seeds the dropout masks. */
  dropoutSeed: number;
  /** Absent: train on hard labels only. */
  softTargets?: SoftTargets;
  onProgress?: (update: ProgressUpdate) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
  shouldStop?: () => boolean;
  /** Seconds between progress updates; each one reads the pending losses from the backend. */
  progressInterval?: number;
}

export interface TrainingResult {
  seconds: number;
  epochs: EpochMetrics[];
}

/** Returns the learning rate of a 0-based epoch under the schedule. */
export function scheduledLearningRate(base: number, schedule: LearningRateSchedule, epochIndex: number, epochs: number): number {
  switch (schedule.type) {
    case 'constant':
      return base;
    case 'step':
      return base * Math.pow(schedule.factor, Math.floor(epochIndex / schedule.everyEpochs));
    case 'exponential':
      return base * Math.pow(schedule.factor, epochIndex);
    case 'cosine': {
      const progress = epochs <= 1 ? 0 : epochIndex / (epochs - 1);
      return schedule.minLearningRate + 0.5 * (base - schedule.minLearningRate) * (1 + Math.cos(Math.PI * progress));
    }
  }
}

export function createOptimizer(train: TrainConfig): tf.Optimizer {
  if (train.optimizer === 'adam') {
    return new FusedAdamOptimizer(train.learningRate);
  }
  return train.momentum > 0 ? tf.train.momentum(train.learningRate, train.momentum) : tf.train.sgd(train.learningRate);
}

function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // tfjs-core's optimizer classes override `instanceof` to accept any optimizer, so test for the method.
  const sgd = optimizer as Partial<tf.SGDOptimizer>;
  if (typeof sgd.setLearningRate === 'function') {
    sgd.setLearningRate(learningRate);
    return;
  }
  // AdamOptimizer reads its `learningRate` field at every step and has no setter (tfjs-core 4.22).
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface PendingLosses {
  total: tf.Scalar[];
  soft: tf.Scalar[];
  hard: tf.Scalar[];
  /** Mean teacher entropy of each batch, when the teacher runs per batch and the soft term contains its entropy. */
  teacherEntropy: tf.Scalar[];
  sizes: number[];
  firstBatch: number;
}

interface LossSums {
  total: number;
  soft: number;
  hard: number;
  teacherEntropy: number;
  examples: number;
}

/**
 * Reads the pending per-batch losses in one transfer, adds them to `sums`, and throws when one is
 * NaN or infinite, naming the batch. Returns the mean total loss of the pending batches.
 */
async function drainLosses(pending: PendingLosses, sums: LossSums, role: ModelRole, epoch: number): Promise<number> {
  if (pending.total.length === 0) {
    return NaN;
  }
  const stacked = tf.stack([...pending.total, ...pending.soft, ...pending.hard, ...pending.teacherEntropy]);
  const values = await stacked.data();
  stacked.dispose();
  const batches = pending.total.length;
  const hasParts = pending.soft.length === batches;
  const hasEntropy = pending.teacherEntropy.length === batches;

  let windowSum = 0;
  let windowExamples = 0;
  for (let i = 0; i < batches; i += 1) {
    const size = pending.sizes[i];
    const total = values[i];
    if (!Number.isFinite(total)) {
      const batch = pending.firstBatch + i;
      throw new NonFiniteLossError(
        `The ${role} model's loss became ${total} in epoch ${epoch}, batch ${batch}. ` +
          'Lower "learningRate", or the temperature, and check the input data for NaN values.',
      );
    }
    sums.total += total * size;
    windowSum += total * size;
    windowExamples += size;
    if (hasParts) {
      sums.soft += values[batches + i] * size;
      sums.hard += values[2 * batches + i] * size;
    }
    if (hasEntropy) {
      sums.teacherEntropy += values[3 * batches + i] * size;
    }
  }
  sums.examples += windowExamples;

  for (const scalar of [...pending.total, ...pending.soft, ...pending.hard, ...pending.teacherEntropy]) {
    scalar.dispose();
  }
  pending.total = [];
  pending.soft = [];
  pending.hard = [];
  pending.teacherEntropy = [];
  pending.sizes = [];
  return windowSum / windowExamples;
}

/** Returns accuracy and loss on the validation split, both NaN when the split is empty. */
async function validate(task: TrainingTask): Promise<{ accuracy: number; loss: number }> {
  if (task.validation.count === 0) {
    return { accuracy: NaN, loss: NaN };
  }
  const logits = await predictLogits((inputs) => forward(task.model, inputs, false), task.validation, task.features, task.classes);
  return logitStatistics(logits, task.validation.y, task.validation.count, task.classes);
}

/** Trains `task.model` in place. Throws CancelledError when `shouldStop` turns true between batches. */
export async function trainModel(task: TrainingTask): Promise<TrainingResult> {
  const { data, features, classes, train } = task;
  if (data.count === 0) {
    throw new Error(`The ${task.role} model has no training examples.`);
  }
  const optimizer = createOptimizer(train);
  const variables = trainableVariables(task.model);
  const batchSize = Math.min(train.batchSize, data.count);
  const batchesPerEpoch = Math.ceil(data.count / batchSize);
  const progressInterval = (task.progressInterval ?? 0.5) * 1000;

  const inputBuffer = new Float32Array(batchSize * features);
  const jitterBuffer = task.augment.jitter > 0 ? new Float32Array(batchSize * features) : null;
  const labelBuffer = new Int32Array(batchSize);
  const cachedLogits = task.softTargets?.cachedLogits;
  const teacherBuffer = cachedLogits === undefined ? null : new Float32Array(batchSize * classes);

  // The soft term's KL part is the soft term minus entropyFactor times the teacher's entropy,
  // computed beside the step so that the gradients stay those of the configured loss. An epoch
  // visits every example once, so with cached logits the epoch's mean entropy is one number.
  const entropyFactor = task.softTargets === undefined ? undefined : teacherEntropyFactor(task.softTargets.config);
  const needsEntropy = entropyFactor !== undefined && entropyFactor > 0;
  const temperature = task.softTargets?.config.temperature ?? 1;
  const cachedEntropy =
    needsEntropy && cachedLogits !== undefined ? meanSoftenedEntropy(cachedLogits.subarray(0, data.count * classes), classes, temperature) : undefined;

  const started = performance.now();
  const history: EpochMetrics[] = [];
  let step = 0;

  try {
    for (let epoch = 1; epoch <= train.epochs; epoch += 1) {
      const epochStarted = performance.now();
      const learningRate = scheduledLearningRate(train.learningRate, train.schedule, epoch - 1, train.epochs);
      setLearningRate(optimizer, learningRate);

      const rng = createRng(`${task.orderSeed}/epoch-${epoch}`);
      const order = shuffledOrder(data.count, rng);
      const pending: PendingLosses = { total: [], soft: [], hard: [], teacherEntropy: [], sizes: [], firstBatch: 1 };
      const sums: LossSums = { total: 0, soft: 0, hard: 0, teacherEntropy: 0, examples: 0 };
      let lastProgress = performance.now();

      for (let batch = 1; batch <= batchesPerEpoch; batch += 1) {
        if (task.shouldStop?.()) {
          throw new CancelledError();
        }
        const start = (batch - 1) * batchSize;
        const end = Math.min(start + batchSize, data.count);
        const size = end - start;

        gatherRows(data.x, features, order, start, end, inputBuffer);
        gatherLabels(data.y, order, start, end, labelBuffer);
        if (teacherBuffer !== null && cachedLogits !== undefined) {
          gatherRows(cachedLogits, classes, order, start, end, teacherBuffer);
        }
        let inputs = inputBuffer;
        if (jitterBuffer !== null) {
          jitterImages(inputBuffer, jitterBuffer, size, task.shape, task.augment.jitter, rng);
          inputs = jitterBuffer;
        }

        step += 1;
        const stepSeed = task.dropoutSeed + step * 1009;
        tf.tidy(() => {
          const x = tf.tensor2d(inputs.subarray(0, size * features), [size, features]);
          const oneHot = tf.oneHot(tf.tensor1d(labelBuffer.subarray(0, size), 'int32'), classes) as tf.Tensor2D;
          const softTargets = task.softTargets;
          let teacherLogits: tf.Tensor2D | null = null;
          if (softTargets !== undefined) {
            teacherLogits =
              teacherBuffer !== null
                ? tf.tensor2d(teacherBuffer.subarray(0, size * classes), [size, classes])
                : (softTargets.teacher as LogitsFunction)(x);
          }

          const cost = optimizer.minimize(
            () => {
              const logits = forward(task.model, x, true, stepSeed);
              if (softTargets === undefined || teacherLogits === null) {
                return hardCrossEntropy(logits, oneHot);
              }
              const parts = distillationLoss(logits, teacherLogits, softTargets.useLabels ? oneHot : null, softTargets.config);
              pending.soft.push(tf.keep(parts.soft));
              pending.hard.push(tf.keep(parts.hard));
              return parts.total;
            },
            true,
            variables,
          ) as tf.Scalar;
          pending.total.push(tf.keep(cost));
          pending.sizes.push(size);
          if (needsEntropy && cachedEntropy === undefined && teacherLogits !== null) {
            pending.teacherEntropy.push(tf.keep(softenedEntropy(teacherLogits, temperature)));
          }
        });
        applyConstraints(task.model);

        const now = performance.now();
        if (now - lastProgress >= progressInterval || batch === batchesPerEpoch) {
          const windowLoss = await drainLosses(pending, sums, task.role, epoch);
          pending.firstBatch = batch + 1;
          lastProgress = now;
          task.onProgress?.({ role: task.role, epoch, epochs: train.epochs, batch, batches: batchesPerEpoch, step, loss: windowLoss });
        }
        await yieldToEventLoop();
      }

      const validation = await validate(task);
      const seconds = (performance.now() - epochStarted) / 1000;
      const metrics: EpochMetrics = {
        role: task.role,
        epoch,
        epochs: train.epochs,
        loss: sums.total / sums.examples,
        validationAccuracy: validation.accuracy,
        validationLoss: validation.loss,
        learningRate,
        seconds,
        examplesPerSecond: data.count / seconds,
      };
      if (task.softTargets !== undefined) {
        metrics.softLoss = sums.soft / sums.examples;
        metrics.hardLoss = sums.hard / sums.examples;
        if (entropyFactor !== undefined) {
          const teacherEntropy = needsEntropy ? (cachedEntropy ?? sums.teacherEntropy / sums.examples) : 0;
          // KL is never negative. The difference of two float32-rounded terms can be, by about
          // 1e-4 at T = 20, and a log-scale chart would drop that point.
          metrics.softKlDivergence = Math.max(0, metrics.softLoss - entropyFactor * teacherEntropy);
        }
      }
      history.push(metrics);
      task.onEpoch?.(metrics);
    }
  } finally {
    optimizer.dispose();
  }

  return { seconds: (performance.now() - started) / 1000, epochs: history };
}
