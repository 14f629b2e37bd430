// Measurements of this project's engine, run in the process that calls them on the backend
// selected there.

import * as tf from '@tensorflow/tfjs';

import type { DistillationConfig, TrainConfig } from '../src/config/types';
import type { Split } from '../src/engine/data/dataset';
import { predictLogits } from '../src/engine/evaluate';
import { buildModel, copyWeights, forward, type InputDescription } from '../src/engine/models/build';
import { trainModel, type SoftTargets, type TrainingTask } from '../src/engine/trainer';
import type { ModelTiming, StudentComparison } from './report';
import { DISTILLATION_WORKLOAD, type WorkloadData } from './workloadData';

const noValidation: Split = { x: new Float32Array(0), y: new Int32Array(0), count: 0 };

const workloadDistillation: DistillationConfig = {
  temperature: DISTILLATION_WORKLOAD.temperature,
  softWeight: DISTILLATION_WORKLOAD.softWeight,
  hardWeight: DISTILLATION_WORKLOAD.hardWeight,
  scaleByTemperatureSquared: DISTILLATION_WORKLOAD.scaleByTemperatureSquared,
  loss: 'soft-cross-entropy',
};

const teacherSpec = {
  type: 'mlp' as const,
  hidden: [...DISTILLATION_WORKLOAD.hidden],
  activation: 'relu' as const,
  dropout: DISTILLATION_WORKLOAD.dropout,
  inputDropout: DISTILLATION_WORKLOAD.inputDropout,
};

/** Adam at the workload's learning rate, one warm-up epoch and then `timedEpochs` epochs. */
function trainConfig(timedEpochs: number): TrainConfig {
  return {
    epochs: timedEpochs + 1,
    batchSize: DISTILLATION_WORKLOAD.batchSize,
    optimizer: 'adam',
    learningRate: DISTILLATION_WORKLOAD.learningRate,
    momentum: 0.9,
    schedule: { type: 'constant' },
  };
}

/** Mean over the timed epochs: the first epoch warms up kernels and allocations. */
export function timedEpochSeconds(epochs: { seconds: number }[]): number {
  const timed = epochs.slice(1);
  return timed.reduce((sum, epoch) => sum + epoch.seconds, 0) / timed.length;
}

function timing(model: string, examples: number, epochs: { seconds: number }[]): ModelTiming {
  const epochSeconds = timedEpochSeconds(epochs);
  return { model, examples, timedEpochs: epochs.length - 1, epochSeconds, examplesPerSecond: examples / epochSeconds };
}

type CommonTask = Omit<TrainingTask, 'role' | 'model'>;

function commonTask(split: Split, input: InputDescription, timedEpochs: number): CommonTask {
  return {
    train: trainConfig(timedEpochs),
    augment: { jitter: 0 },
    data: split,
    validation: noValidation,
    features: input.features,
    classes: input.classes,
    shape: input.shape,
    orderSeed: 'bench',
    dropoutSeed: 1,
  };
}

/**
 * Trains the teacher on hard labels, then the distilled and the baseline 784-800-800-10 students
 * from the same initial weights, and times each. Also returns the teacher's logits on `split`,
 * which become the soft targets of the distillation step on every engine.
 */
export async function compareStudents(
  split: Split,
  input: InputDescription,
  timedEpochs: number,
): Promise<{ comparison: StudentComparison; teacherLogits: Float32Array }> {
  const common = commonTask(split, input, timedEpochs);

  const teacher = buildModel(teacherSpec, input, 1);
  const teacherResult = await trainModel({ ...common, role: 'teacher', model: teacher });
  const teacherLogits = await predictLogits((x) => forward(teacher, x, false), split, input.features, input.classes);
  const softTargets: SoftTargets = { config: workloadDistillation, cachedLogits: teacherLogits, useLabels: true };

  const studentSpec = { type: 'mlp' as const, hidden: [800, 800], activation: 'relu' as const, dropout: 0, inputDropout: 0 };
  const distilled = buildModel(studentSpec, input, 2);
  const baseline = buildModel(studentSpec, input, 2);
  copyWeights(distilled, baseline);
  const distilledResult = await trainModel({ ...common, role: 'distilled', model: distilled, softTargets });
  const baselineResult = await trainModel({ ...common, role: 'baseline', model: baseline });

  for (const model of [teacher, distilled, baseline]) {
    model.dispose();
  }
  return {
    comparison: {
      teacher: timing('teacher 784-1200-1200-10, dropout, hard labels', split.count, teacherResult.epochs),
      distilled: timing(`distilled 784-800-800-10, T = ${workloadDistillation.temperature}`, split.count, distilledResult.epochs),
      baseline: timing('baseline 784-800-800-10', split.count, baselineResult.epochs),
    },
    teacherLogits,
  };
}

/**
 * Times the distillation step shared with the PyTorch peer: a 784-1200-1200-10 MLP with the
 * teacher's dropout, trained on the soft and hard loss from cached teacher logits.
 */
export async function measureDistillationStep(data: WorkloadData, timedEpochs: number): Promise<{ timing: ModelTiming; lastEpochLoss: number }> {
  const { meta } = data;
  const split: Split = { x: data.features, y: data.labels, count: meta.count };
  const input: InputDescription = { features: meta.features, classes: meta.classes, shape: [1, meta.features, 1] };
  const model = buildModel(teacherSpec, input, 3);
  const softTargets: SoftTargets = { config: workloadDistillation, cachedLogits: data.teacherLogits, useLabels: true };

  const result = await trainModel({ ...commonTask(split, input, timedEpochs), role: 'distilled', model, softTargets });
  model.dispose();
  tf.disposeVariables();
  const lastEpoch = result.epochs[result.epochs.length - 1];
  return { timing: timing('distillation step', meta.count, result.epochs), lastEpochLoss: lastEpoch.loss };
}
