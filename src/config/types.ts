// Resolved configuration of one distillation run: every field has its default filled in.
// The JSON Schema in schema/distill.schema.json describes the same shape for the editor.

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Pixel or feature scaling: `unit` divides bytes by 255, `standard` z-scores each feature on the training split. */
export type Normalization = 'unit' | 'standard' | 'none';

export interface MnistSource {
  source: 'mnist';
}

/** Paths are resolved against the config file's folder; `.gz` files are accepted. */
export interface IdxSource {
  source: 'idx';
  train: { images: string; labels: string };
  test: { images: string; labels: string };
}

export interface CsvSource {
  source: 'csv';
  train: string;
  test: string;
  /** Column holding the integer class label: a 0-based index, or a header name. */
  labelColumn: number | string;
  /** `auto` treats the first row as a header when any of its cells is not a number. */
  header: boolean | 'auto';
  /** Optional image shape [height, width, channels] of the feature columns, for CNNs and jitter. */
  shape?: [number, number, number];
}

export type DataSourceConfig = MnistSource | IdxSource | CsvSource;

export type DataConfig = DataSourceConfig & {
  /** Examples held out from the end of the training split for validation. */
  validation: number;
  normalization: Normalization;
  /** Use only the first N training examples (before the validation split); all when absent. */
  trainExamples?: number;
  /** Use only the first N test examples; all when absent. */
  testExamples?: number;
};

export type Activation = 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'linear';

export interface MlpSpec {
  type: 'mlp';
  hidden: number[];
  activation: Activation;
  /** Dropout rate after each hidden layer. */
  dropout: number;
  /** Dropout rate on the input features. */
  inputDropout: number;
  /** Max-norm constraint on each hidden unit's incoming weight vector; none when absent. */
  maxNorm?: number;
}

export type CnnLayerSpec =
  | { type: 'conv'; filters: number; kernelSize: number; strides: number; padding: 'same' | 'valid'; activation: Activation }
  | { type: 'maxPool'; poolSize: number; strides?: number }
  | { type: 'dense'; units: number; activation: Activation }
  | { type: 'dropout'; rate: number };

export interface CnnSpec {
  type: 'cnn';
  /** Layers in order; a flatten is inserted before the first dense layer. The output layer is added. */
  layers: CnnLayerSpec[];
}

export type ModelSpec = MlpSpec | CnnSpec;

export type LearningRateSchedule =
  | { type: 'constant' }
  | { type: 'step'; everyEpochs: number; factor: number }
  | { type: 'exponential'; factor: number }
  | { type: 'cosine'; minLearningRate: number };

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  /** Momentum of `sgd`; ignored by `adam`. */
  momentum: number;
  schedule: LearningRateSchedule;
}

export interface AugmentConfig {
  /** Random shift of each training image by up to this many pixels in x and y; 0 turns it off. */
  jitter: number;
}

export interface TrainedModelConfig {
  model: ModelSpec;
  train: TrainConfig;
  augment: AugmentConfig;
}

/** The rule by which an ensemble teacher combines its members' outputs into one distribution. */
export type EnsembleCombine =
  /** Mean of the members' softened distributions at T. */
  | 'arithmetic'
  /** Mean of the members' logits, then the softened softmax: a normalised geometric mean. */
  | 'geometric';

/** One member of an ensemble teacher: trained in the run with a seed of its own, or loaded. */
export type TeacherMemberConfig =
  | (TrainedModelConfig & { kind: 'train'; name: string; seed: number })
  | { kind: 'load'; name: string; load: string };

export type TeacherConfig =
  | (TrainedModelConfig & { kind: 'train' })
  | { kind: 'load'; load: string }
  | { kind: 'ensemble'; members: TeacherMemberConfig[]; combine: EnsembleCombine };

export type DistillationLoss = 'soft-cross-entropy' | 'kl' | 'logit-mse';

export interface DistillationConfig {
  temperature: number;
  softWeight: number;
  hardWeight: number;
  scaleByTemperatureSquared: boolean;
  loss: DistillationLoss;
}

/**
 * After training, search one output-bias offset per omitted class on the validation split and
 * keep the offset with the fewest validation errors.
 */
export interface BiasAdjustmentConfig {
  enabled: boolean;
  /** Offsets tried: min, min + step, … up to max, added to the class's output bias (logit). */
  min: number;
  max: number;
  step: number;
}

export interface TransferConfig {
  /** Number of training examples in the student's transfer set; all when absent. */
  examples?: number;
  omitClasses: number[];
  /** When false the distilled student sees soft targets only. */
  labels: boolean;
  /**
   * Dataset whose training split is the transfer set, when it differs from the teacher's data.
   * Its features must match `data`'s; test and validation stay those of `data`.
   */
  source?: DataSourceConfig;
  adjustBias: BiasAdjustmentConfig;
}

/**
 * A grid of child runs that differ in temperature and soft weight. The teacher, the baseline and
 * the teacher's logits on the transfer set are computed once and shared by the children.
 */
export interface SweepConfig {
  temperature: number[];
  /** Each child's hardWeight is 1 − softWeight. */
  softWeight: number[];
  /** Child runs at the same time; 0 means one per core (os.availableParallelism()). */
  concurrency: number;
}

export interface EvaluationConfig {
  /** Test examples whose logits are stored for the softened-distribution view. */
  storedLogits: number;
}

export interface DistillConfig {
  name: string;
  seed: number;
  backend: BackendChoice;
  /** Threads of the wasm backend; 0 means one per logical core. */
  threads: number;
  data: DataConfig;
  teacher: TeacherConfig;
  student: TrainedModelConfig;
  distillation: DistillationConfig;
  baseline: boolean;
  transfer: TransferConfig;
  evaluation: EvaluationConfig;
  /** The sweep's grid and concurrency; absent for a single run. */
  sweep?: SweepConfig;
}

export type ModelRole = 'teacher' | 'distilled' | 'baseline';
