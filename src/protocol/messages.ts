// Messages between the worker, the CLI, the extension host and the webview.
// Every message is `{ type: 'scope/name', ... }`; this module has no runtime dependencies.

import type { BackendName, DistillConfig, EnsembleCombine, ModelRole } from '../config/types';

export type RunStatus = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export type RunPhase = 'data' | 'teacher' | 'teacher-logits' | 'distilled' | 'baseline' | 'bias-adjustment' | 'evaluation' | 'saving';

/** Test metrics of one model. */
export interface ModelEvaluation {
  role: ModelRole;
  /** Name of the ensemble member this evaluation is of; absent for whole models. */
  member?: string;
  accuracy: number;
  errors: number;
  examples: number;
  /** Accuracy per class, in class order; NaN-free: a class without test examples gets null. */
  perClassAccuracy: (number | null)[];
  /** confusion[trueClass][predictedClass] = count. */
  confusion: number[][];
  /** Mean softened distribution (at the run's temperature) per true class: meanSoftened[trueClass][class]. */
  meanSoftened: number[][];
  parameters: number;
  trainingSeconds: number;
  /** Mean inference time per test example, in milliseconds. */
  inferenceMsPerExample: number;
}

export interface RunSummary {
  runId: string;
  name: string;
  /** Absolute path of the config file the run was started from. */
  configPath: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  backend?: BackendName;
  /** Threads that ran the backend's kernels. */
  threads?: number;
  temperature: number;
  classes?: number;
  models: Partial<Record<ModelRole, ModelEvaluation>>;
  /** English text of the error, which the CLI, CI and other machines read. */
  error?: string;
  /** Code and arguments of an error that the extension host wrote, so that its UI can show `error` in its own language. */
  errorReason?: HostErrorReason;
  /** Process id and host name of the process that ran it, to tell a live run from an interrupted one. */
  pid?: number;
  hostname?: string;
  /** When the teacher is an ensemble: how it combines, and each member's evaluation in config order. */
  ensemble?: { combine: EnsembleCombine; members: ModelEvaluation[] };
  /** When transfer.adjustBias is on and classes were omitted: the search and its effect. */
  biasAdjustment?: BiasAdjustmentResult;
  /** When the run is a child of a sweep: the sweep and the values this child tried. */
  sweep?: SweepMembership;
}

/**
 * An error that the extension host writes itself, as a stable code with its arguments. The
 * `wroteOutput: false` cases add "It wrote no output." to the sentence.
 */
export type HostErrorReason =
  | { code: 'worker-script-missing'; path: string }
  | { code: 'worker-start-failed'; detail: string }
  | { code: 'worker-killed'; signal: string; wroteOutput: boolean }
  | { code: 'worker-exited'; exitCode: number; wroteOutput: boolean }
  | { code: 'worker-stopped'; wroteOutput: boolean }
  | { code: 'cancel-timeout'; graceMs: number }
  | { code: 'worker-gone'; pid: number }
  | { code: 'worker-on-other-host'; hostname: string; pid: number }
  | { code: 'no-worker' }
  | { code: 'summary-unreadable'; runDir: string };

/** The bias shift applied to the distilled student for the classes left out of its transfer set. */
export interface BiasAdjustmentResult {
  /** The omitted classes, in order; the arrays below follow it. */
  classes: number[];
  /** Offset added to each class's output bias, the one with the fewest validation errors. */
  offsets: number[];
  validationErrorsBefore: number;
  validationErrorsAfter: number;
  testErrorsBefore: number;
  testErrorsAfter: number;
  /** Test errors on the examples of each omitted class, before and after, and how many there are. */
  classTestErrorsBefore: number[];
  classTestErrorsAfter: number[];
  classTestExamples: number[];
  /** The adjusted student's full evaluation; `models.distilled` stays the unadjusted one. */
  evaluation: ModelEvaluation;
}

export interface SweepMembership {
  sweepId: string;
  /** 0-based position in the sweep's grid (temperature major, soft weight minor). */
  index: number;
  temperature: number;
  softWeight: number;
  hardWeight: number;
}

/** `.distill/sweeps/<sweepId>/sweep.json`: a sweep and its child runs, rewritten as they progress. */
export interface SweepSummary {
  sweepId: string;
  name: string;
  configPath: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  temperatures: number[];
  softWeights: number[];
  concurrency: number;
  /** Evaluations of the shared teacher and baseline, computed once before the children. */
  teacher?: ModelEvaluation;
  baseline?: ModelEvaluation;
  children: SweepChild[];
  error?: string;
  /**
   * Process id and host name of the sweep's orchestrator (the `distill` CLI process or the VS Code
   * extension host), to tell a live sweep from an interrupted one. Absent in sweeps from older versions.
   */
  pid?: number;
  hostname?: string;
}

export interface SweepChild {
  runId?: string;
  index: number;
  temperature: number;
  softWeight: number;
  hardWeight: number;
  status: RunStatus;
  /** The distilled student's test errors, once evaluated. */
  errors?: number;
  /** The child's error message, when it failed. */
  error?: string;
}

// Worker -> host (and CLI): also the lines of events.jsonl, each with a `time` field added.

export interface RunStartedEvent {
  type: 'run/started';
  runId: string;
  runDir: string;
  backend: BackendName;
  /** Kernels that the engine registered on the backend to fix or speed it. */
  kernels: string[];
  /** Threads that run the backend's kernels (see SelectedBackend.threads). Absent in runs from older versions. */
  threads?: number;
  /** Build and thread details of the backend, or why wasm fell back to its single-threaded build. */
  backendDetail?: string;
  config: DistillConfig;
  /** Absolute path of the config file the run was started from. */
  configPath: string;
}

export interface RunPhaseEvent {
  type: 'run/phase';
  runId: string;
  phase: RunPhase;
  /** Description of the phase, for progress displays. */
  detail: string;
}

export interface RunProgressEvent extends ProgressUpdate {
  type: 'run/progress';
  runId: string;
}

/** Training progress of one model, as the trainer reports it. */
export interface ProgressUpdate {
  role: ModelRole;
  /** The ensemble member being trained, when the teacher is an ensemble. */
  member?: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Optimizer steps of this model so far, counted from 1. */
  step: number;
  /** Mean training loss over the steps since the previous progress event. */
  loss: number;
}

export interface RunEpochEvent extends EpochMetrics {
  type: 'run/epoch';
  runId: string;
}

/** Metrics of one training epoch of one model. */
export interface EpochMetrics {
  role: ModelRole;
  /** The ensemble member being trained, when the teacher is an ensemble. */
  member?: string;
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean total training loss over the epoch. */
  loss: number;
  /** Mean soft (distillation) term, after the T² factor and before the weight; distilled student only. */
  softLoss?: number;
  /**
   * Mean KL(p_T ‖ q_T) part of the soft term, on the soft term's scale (× T² when
   * scaleByTemperatureSquared is set) and before the weight, for the distilled student only. It
   * is 0 when the student's softened distribution equals the teacher's. For loss
   * "soft-cross-entropy" it is the soft term minus the teacher's entropy part T² · H(p_T). For
   * "kl" it equals `softLoss`, and "logit-mse" leaves it out, as do runs recorded before it existed.
   */
  softKlDivergence?: number;
  /** Mean hard-label cross-entropy term, before the weight. */
  hardLoss?: number;
  /** NaN (null in JSON) when the validation split is empty. */
  validationAccuracy: number;
  validationLoss: number;
  learningRate: number;
  seconds: number;
  examplesPerSecond: number;
}

export interface RunEvaluationEvent {
  type: 'run/evaluation';
  runId: string;
  evaluation: ModelEvaluation;
}

export interface RunLogEvent {
  type: 'run/log';
  runId: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface RunFinishedEvent {
  type: 'run/finished';
  runId: string;
  status: 'completed' | 'cancelled' | 'failed';
  error?: string;
  summary: RunSummary;
}

/**
 * Sent instead of `run/started` when the run cannot start: invalid input (config, data files,
 * teacher model), an unavailable backend, or an internal error. No run folder is created. `problems` contains the config's located problems, when there are any.
 */
export interface RunRejectedEvent {
  type: 'run/rejected';
  runId: '';
  kind: 'config' | 'data' | 'model' | 'backend' | 'internal';
  message: string;
  problems: (LocatedProblem & { path: string })[];
}

/** A problem at a place in a config file. Lines and columns count from 1; the end is exclusive. */
export interface LocatedProblem {
  message: string;
  severity: 'error' | 'warning';
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Layout of the test subset whose logits a run stores in its softened/ folder (meta.json). */
export interface StoredSubsetLayout {
  /** Stored test examples, the first `count` of the test split. */
  count: number;
  classes: number;
  /** Features per example and their image shape [height, width, channels]. */
  features: number;
  shape: [number, number, number];
  /** `uint8`: pixel bytes (the model saw value / 255); `float32`: normalised features. */
  inputFormat: 'uint8' | 'float32';
}

export type WorkerEvent =
  | RunRejectedEvent
  | RunStartedEvent
  | RunPhaseEvent
  | RunProgressEvent
  | RunEpochEvent
  | RunEvaluationEvent
  | RunLogEvent
  | RunFinishedEvent;

// Host (or CLI) -> worker.

export interface RunStartRequest {
  type: 'run/start';
  /** The configuration as written, before defaults; the worker validates and resolves it. */
  configText: string;
  /** Absolute path of the config file; relative data paths resolve against its folder. */
  configPath: string;
  /** Absolute path of the folder that contains run folders (`<workspace>/.distill/runs`). */
  runsDir: string;
  /** Overrides the config's `backend` when set. */
  backend?: string;
  /** Option that set `backend`, such as "--backend", named in the run's log line. */
  backendOption?: string;
  /** Overrides the config's `threads` when set: wasm threads, 0 for one per logical core. */
  threads?: number;
  /** Logical cores that this worker shares with others, set when `threads` is its share of them (a sweep's children). */
  sharedCores?: number;
  /** Set when the worker runs one part of a sweep instead of a whole run. */
  sweep?: SweepStageRequest;
}

/**
 * The part of a sweep a worker runs. `shared` trains or loads the teacher, trains the baseline and
 * stores the teacher's logits in `<sweepDir>/shared/`; `child` trains one distilled student from
 * those, with the config's temperature and weights replaced by the membership's.
 */
export type SweepStageRequest =
  | { stage: 'shared'; sweepId: string; sweepDir: string }
  | { stage: 'child'; sweepDir: string; membership: SweepMembership };

export interface RunCancelRequest {
  type: 'run/cancel';
}

export type HostRequest = RunStartRequest | RunCancelRequest;

const workerEventTypes: ReadonlySet<string> = new Set([
  'run/rejected',
  'run/started',
  'run/phase',
  'run/progress',
  'run/epoch',
  'run/evaluation',
  'run/log',
  'run/finished',
]);

function hasType(value: unknown): value is { type: unknown } {
  return typeof value === 'object' && value !== null && 'type' in value;
}

export function isWorkerEvent(value: unknown): value is WorkerEvent {
  return hasType(value) && typeof value.type === 'string' && workerEventTypes.has(value.type) && 'runId' in value;
}

export function isRunStartRequest(value: unknown): value is RunStartRequest {
  if (!hasType(value) || value.type !== 'run/start') {
    return false;
  }
  const request = value as Record<string, unknown>;
  return (
    typeof request.configText === 'string' &&
    typeof request.configPath === 'string' &&
    typeof request.runsDir === 'string' &&
    (request.backend === undefined || typeof request.backend === 'string') &&
    (request.backendOption === undefined || typeof request.backendOption === 'string') &&
    (request.threads === undefined || (typeof request.threads === 'number' && Number.isInteger(request.threads) && request.threads >= 0)) &&
    (request.sharedCores === undefined || (typeof request.sharedCores === 'number' && Number.isInteger(request.sharedCores) && request.sharedCores >= 1)) &&
    (request.sweep === undefined || isSweepStageRequest(request.sweep))
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

export function isSweepMembership(value: unknown): value is SweepMembership {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const membership = value as Record<string, unknown>;
  return (
    typeof membership.sweepId === 'string' &&
    membership.sweepId !== '' &&
    Number.isInteger(membership.index) &&
    (membership.index as number) >= 0 &&
    isFiniteNumber(membership.temperature) &&
    membership.temperature > 0 &&
    isFiniteNumber(membership.softWeight) &&
    isFiniteNumber(membership.hardWeight)
  );
}

export function isSweepStageRequest(value: unknown): value is SweepStageRequest {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const stage = value as Record<string, unknown>;
  if (typeof stage.sweepDir !== 'string' || stage.sweepDir === '') {
    return false;
  }
  if (stage.stage === 'shared') {
    return typeof stage.sweepId === 'string' && stage.sweepId !== '';
  }
  return stage.stage === 'child' && isSweepMembership(stage.membership);
}

export function isRunCancelRequest(value: unknown): value is RunCancelRequest {
  return hasType(value) && value.type === 'run/cancel';
}
