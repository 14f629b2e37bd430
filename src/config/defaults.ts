// Default values, and the step that turns a schema-valid config file into a resolved DistillConfig.
// schema/distill.schema.json states the same defaults for the editor, and a unit test checks that they agree.

import { basename, dirname, resolve } from 'node:path';

import type {
  Activation,
  AugmentConfig,
  BiasAdjustmentConfig,
  CnnLayerSpec,
  DataConfig,
  DataSourceConfig,
  DistillationConfig,
  DistillConfig,
  EvaluationConfig,
  LearningRateSchedule,
  MlpSpec,
  ModelSpec,
  SweepConfig,
  Normalization,
  TeacherConfig,
  TeacherMemberConfig,
  TrainConfig,
  TrainedModelConfig,
  TransferConfig,
} from './types';

// Shapes as users write them, every field optional. parseConfig only casts to these
// after the schema has accepted the file.

export interface MlpInput {
  type?: 'mlp';
  hidden?: number[];
  activation?: Activation;
  dropout?: number;
  inputDropout?: number;
  maxNorm?: number;
}

export type CnnLayerInput =
  | { type: 'conv'; filters: number; kernelSize: number; strides?: number; padding?: 'same' | 'valid'; activation?: Activation }
  | { type: 'maxPool'; poolSize?: number; strides?: number }
  | { type: 'dense'; units: number; activation?: Activation }
  | { type: 'dropout'; rate: number };

export interface CnnInput {
  type: 'cnn';
  layers: CnnLayerInput[];
}

export type ModelInput = MlpInput | CnnInput;

export interface TrainInput {
  epochs?: number;
  batchSize?: number;
  optimizer?: 'adam' | 'sgd';
  learningRate?: number;
  momentum?: number;
  schedule?:
    | { type: 'constant' }
    | { type: 'step'; everyEpochs: number; factor: number }
    | { type: 'exponential'; factor: number }
    | { type: 'cosine'; minLearningRate?: number };
}

export interface TrainedModelInput {
  model?: ModelInput;
  train?: TrainInput;
  augment?: Partial<AugmentConfig>;
}

export interface TeacherMemberInput extends TrainedModelInput {
  name?: string;
  seed?: number;
  load?: string;
}

export interface TeacherInput extends TrainedModelInput {
  load?: string;
  ensemble?: TeacherMemberInput[];
  combine?: 'arithmetic' | 'geometric';
}

export interface IdxFilesInput {
  images: string;
  labels: string;
}

export interface DataSourceInput {
  source?: 'mnist' | 'idx' | 'csv';
  train?: string | IdxFilesInput;
  test?: string | IdxFilesInput;
  labelColumn?: number | string;
  header?: boolean | 'auto';
  shape?: [number, number, number];
}

export interface DataInput extends DataSourceInput {
  validation?: number;
  normalization?: Normalization;
  trainExamples?: number;
  testExamples?: number;
}

export interface ConfigInput {
  name?: string;
  seed?: number;
  backend?: DistillConfig['backend'];
  threads?: number;
  data?: DataInput;
  teacher?: TeacherInput;
  student?: TrainedModelInput;
  distillation?: Partial<DistillationConfig>;
  baseline?: boolean;
  transfer?: TransferInput;
  evaluation?: Partial<EvaluationConfig>;
  sweep?: Partial<SweepConfig>;
}

export interface TransferInput {
  examples?: number;
  omitClasses?: number[];
  labels?: boolean;
  source?: DataSourceInput;
  adjustBias?: boolean | Partial<Omit<BiasAdjustmentConfig, 'enabled'>>;
}

export const DEFAULT_SEED = 1;
export const DEFAULT_VALIDATION_EXAMPLES = 5000;

/** Teacher MLP: wider than the student and regularised with dropout, so that it generalises better than the students it teaches. */
export const TEACHER_MLP_DEFAULTS: Readonly<MlpSpec> = {
  type: 'mlp',
  hidden: [1200, 1200],
  activation: 'relu',
  dropout: 0.5,
  inputDropout: 0.2,
};

export const STUDENT_MLP_DEFAULTS: Readonly<MlpSpec> = {
  type: 'mlp',
  hidden: [800, 800],
  activation: 'relu',
  dropout: 0,
  inputDropout: 0,
};

export const TRAIN_DEFAULTS: Readonly<TrainConfig> = {
  epochs: 10,
  batchSize: 128,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0.9,
  schedule: { type: 'constant' },
};

export const AUGMENT_DEFAULTS: Readonly<AugmentConfig> = { jitter: 0 };

export const DISTILLATION_DEFAULTS: Readonly<DistillationConfig> = {
  temperature: 20,
  softWeight: 0.9,
  hardWeight: 0.1,
  scaleByTemperatureSquared: true,
  loss: 'soft-cross-entropy',
};

export const BIAS_ADJUSTMENT_DEFAULTS: Readonly<BiasAdjustmentConfig> = { enabled: false, min: 0, max: 8, step: 0.25 };

export const TRANSFER_DEFAULTS: Readonly<TransferConfig> = { omitClasses: [], labels: true, adjustBias: BIAS_ADJUSTMENT_DEFAULTS };

/** An ensemble member's default seed is the config's seed × this + its 0-based position. */
export const MEMBER_SEED_MULTIPLIER = 100;

export const ENSEMBLE_COMBINE_DEFAULT = 'arithmetic';

export const EVALUATION_DEFAULTS: Readonly<EvaluationConfig> = { storedLogits: 1000 };

/** 0 runs one child per available core. */
export const SWEEP_CONCURRENCY_DEFAULT = 0;

const CNN_LAYER_DEFAULTS = {
  convStrides: 1,
  convPadding: 'same',
  activation: 'relu',
  poolSize: 2,
} as const;

/** Returns the name a config gets when it sets none: `a.distill.json` and `a.json` give `a`, and `a/distill.json` gives `a`. */
export function defaultConfigName(filePath: string): string {
  const fileName = basename(filePath);
  if (fileName === 'distill.json') {
    return basename(dirname(resolve(filePath)));
  }
  for (const suffix of ['.distill.json', '.json']) {
    if (fileName.endsWith(suffix) && fileName.length > suffix.length) {
      return fileName.slice(0, -suffix.length);
    }
  }
  return fileName;
}

/**
 * Fills every default into a config the schema accepted. Relative file paths are made absolute
 * against the config file's folder, so the resolved config stays valid when it is stored in a run
 * folder.
 */
export function resolveConfig(input: ConfigInput, filePath: string): DistillConfig {
  const configFolder = dirname(resolve(filePath));
  return {
    name: input.name ?? defaultConfigName(filePath),
    seed: input.seed ?? DEFAULT_SEED,
    backend: input.backend ?? 'auto',
    threads: input.threads ?? 0,
    data: resolveData(input.data ?? {}, configFolder),
    teacher: resolveTeacher(input.teacher ?? {}, configFolder, input.seed ?? DEFAULT_SEED),
    student: resolveTrainedModel(input.student ?? {}, STUDENT_MLP_DEFAULTS),
    distillation: { ...DISTILLATION_DEFAULTS, ...input.distillation },
    baseline: input.baseline ?? true,
    transfer: resolveTransfer(input.transfer ?? {}, configFolder),
    evaluation: { ...EVALUATION_DEFAULTS, ...input.evaluation },
    ...(input.sweep !== undefined ? { sweep: resolveSweep(input.sweep, input.distillation ?? {}) } : {}),
  };
}

/** A list the sweep leaves out contains the config's own value, so the grid always has one. */
function resolveSweep(input: Partial<SweepConfig>, distillation: Partial<DistillationConfig>): SweepConfig {
  return {
    temperature: [...(input.temperature ?? [distillation.temperature ?? DISTILLATION_DEFAULTS.temperature])],
    softWeight: [...(input.softWeight ?? [distillation.softWeight ?? DISTILLATION_DEFAULTS.softWeight])],
    concurrency: input.concurrency ?? SWEEP_CONCURRENCY_DEFAULT,
  };
}

function resolveData(input: DataInput, configFolder: string): DataConfig {
  const source = input.source ?? 'mnist';
  return {
    ...resolveDataSource(input, configFolder),
    validation: input.validation ?? DEFAULT_VALIDATION_EXAMPLES,
    normalization: input.normalization ?? (source === 'csv' ? 'standard' : 'unit'),
    ...(input.trainExamples !== undefined ? { trainExamples: input.trainExamples } : {}),
    ...(input.testExamples !== undefined ? { testExamples: input.testExamples } : {}),
  };
}

/** Resolves the fields that locate the examples (source and files), for both `data` and `transfer.source`. */
function resolveDataSource(input: DataSourceInput, configFolder: string): DataSourceConfig {
  const source = input.source ?? 'mnist';
  if (source === 'idx') {
    const train = input.train as IdxFilesInput;
    const test = input.test as IdxFilesInput;
    return {
      source,
      train: { images: resolve(configFolder, train.images), labels: resolve(configFolder, train.labels) },
      test: { images: resolve(configFolder, test.images), labels: resolve(configFolder, test.labels) },
    };
  }

  if (source === 'csv') {
    return {
      source,
      train: resolve(configFolder, input.train as string),
      test: resolve(configFolder, input.test as string),
      labelColumn: input.labelColumn ?? 0,
      header: input.header ?? 'auto',
      ...(input.shape ? { shape: [...input.shape] as [number, number, number] } : {}),
    };
  }

  return { source };
}

function resolveTeacher(input: TeacherInput, configFolder: string, seed: number): TeacherConfig {
  if (input.ensemble !== undefined) {
    return {
      kind: 'ensemble',
      members: input.ensemble.map((member, index) => resolveTeacherMember(member, index, configFolder, seed)),
      combine: input.combine ?? ENSEMBLE_COMBINE_DEFAULT,
    };
  }
  if (input.load !== undefined) {
    return { kind: 'load', load: resolve(configFolder, input.load) };
  }
  return { kind: 'train', ...resolveTrainedModel(input, TEACHER_MLP_DEFAULTS) };
}

/** Returns the name a member gets when it sets none: member-1, member-2, … by 1-based position. */
export function defaultMemberName(index: number): string {
  return `member-${index + 1}`;
}

function resolveTeacherMember(input: TeacherMemberInput, index: number, configFolder: string, seed: number): TeacherMemberConfig {
  const name = input.name ?? defaultMemberName(index);
  if (input.load !== undefined) {
    return { kind: 'load', name, load: resolve(configFolder, input.load) };
  }
  return {
    kind: 'train',
    name,
    seed: input.seed ?? seed * MEMBER_SEED_MULTIPLIER + index,
    ...resolveTrainedModel(input, TEACHER_MLP_DEFAULTS),
  };
}

function resolveTrainedModel(input: TrainedModelInput, mlpDefaults: Readonly<MlpSpec>): TrainedModelConfig {
  return {
    model: resolveModel(input.model ?? {}, mlpDefaults),
    train: resolveTrain(input.train ?? {}),
    augment: { ...AUGMENT_DEFAULTS, ...input.augment },
  };
}

function resolveModel(input: ModelInput, mlpDefaults: Readonly<MlpSpec>): ModelSpec {
  if (input.type === 'cnn') {
    return { type: 'cnn', layers: input.layers.map(resolveCnnLayer) };
  }
  const mlp: MlpSpec = {
    type: 'mlp',
    hidden: [...(input.hidden ?? mlpDefaults.hidden)],
    activation: input.activation ?? mlpDefaults.activation,
    dropout: input.dropout ?? mlpDefaults.dropout,
    inputDropout: input.inputDropout ?? mlpDefaults.inputDropout,
  };
  if (input.maxNorm !== undefined) {
    mlp.maxNorm = input.maxNorm;
  }
  return mlp;
}

function resolveCnnLayer(layer: CnnLayerInput): CnnLayerSpec {
  switch (layer.type) {
    case 'conv':
      return {
        type: 'conv',
        filters: layer.filters,
        kernelSize: layer.kernelSize,
        strides: layer.strides ?? CNN_LAYER_DEFAULTS.convStrides,
        padding: layer.padding ?? CNN_LAYER_DEFAULTS.convPadding,
        activation: layer.activation ?? CNN_LAYER_DEFAULTS.activation,
      };
    case 'maxPool':
      return {
        type: 'maxPool',
        poolSize: layer.poolSize ?? CNN_LAYER_DEFAULTS.poolSize,
        ...(layer.strides !== undefined ? { strides: layer.strides } : {}),
      };
    case 'dense':
      return { type: 'dense', units: layer.units, activation: layer.activation ?? CNN_LAYER_DEFAULTS.activation };
    case 'dropout':
      return { type: 'dropout', rate: layer.rate };
  }
}

function resolveTrain(input: TrainInput): TrainConfig {
  return {
    epochs: input.epochs ?? TRAIN_DEFAULTS.epochs,
    batchSize: input.batchSize ?? TRAIN_DEFAULTS.batchSize,
    optimizer: input.optimizer ?? TRAIN_DEFAULTS.optimizer,
    learningRate: input.learningRate ?? TRAIN_DEFAULTS.learningRate,
    momentum: input.momentum ?? TRAIN_DEFAULTS.momentum,
    schedule: resolveSchedule(input.schedule),
  };
}

function resolveSchedule(input: TrainInput['schedule']): LearningRateSchedule {
  if (!input) {
    return { ...TRAIN_DEFAULTS.schedule };
  }
  if (input.type === 'cosine') {
    return { type: 'cosine', minLearningRate: input.minLearningRate ?? 0 };
  }
  return { ...input };
}

function resolveTransfer(input: TransferInput, configFolder: string): TransferConfig {
  return {
    ...(input.examples !== undefined ? { examples: input.examples } : {}),
    omitClasses: [...(input.omitClasses ?? TRANSFER_DEFAULTS.omitClasses)],
    labels: input.labels ?? TRANSFER_DEFAULTS.labels,
    ...(input.source !== undefined ? { source: resolveDataSource(input.source, configFolder) } : {}),
    adjustBias: resolveBiasAdjustment(input.adjustBias),
  };
}

/** Resolves `adjustBias`: `true` enables the search over the default range, and an object enables it over its own range. */
function resolveBiasAdjustment(input: TransferInput['adjustBias']): BiasAdjustmentConfig {
  if (input === undefined || typeof input === 'boolean') {
    return { ...BIAS_ADJUSTMENT_DEFAULTS, enabled: input === true };
  }
  return {
    enabled: true,
    min: input.min ?? BIAS_ADJUSTMENT_DEFAULTS.min,
    max: input.max ?? BIAS_ADJUSTMENT_DEFAULTS.max,
    step: input.step ?? BIAS_ADJUSTMENT_DEFAULTS.step,
  };
}
