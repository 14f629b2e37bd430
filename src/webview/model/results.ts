// The results view's state and the reducer that builds it from a snapshot and live events. The
// reducer appends to arrays in place, because a long run sends about 100 000 progress events and
// copying the series on each one would cost O(n²).

import type { EnsembleCombine, ModelRole } from '../../config/types';
import type { BiasAdjustmentResult, ModelEvaluation, RunPhase, RunStatus, RunSummary } from '../../protocol/messages';
import type { ResultsSnapshotMessage, SoftenedSubset, StoredWorkerEvent } from '../../protocol/webview';
import { decodeSoftened, modelRoles, type DecodedSoftened } from './softened';

/** Training loss reported every few optimizer steps by run/progress events. */
export interface StepSeries {
  /** Position in epochs: (epoch − 1) + batch / batches, so that models with different batch counts share an axis. */
  x: number[];
  step: number[];
  loss: number[];
}

/** Per-epoch metrics from run/epoch events; null stands for a missing or NaN value. */
export interface EpochSeries {
  epoch: number[];
  loss: number[];
  softLoss: (number | null)[];
  /** The soft term's KL(p_T ‖ q_T) part; null in runs recorded before the engine reported it, and for logit-mse. */
  softKlDivergence: (number | null)[];
  hardLoss: (number | null)[];
  validationAccuracy: (number | null)[];
  validationLoss: (number | null)[];
  seconds: number[];
  /** Planned epochs, from the latest event; 0 before the first. */
  epochs: number;
}

export interface RoleCurves {
  steps: StepSeries;
  epochs: EpochSeries;
}

export interface ResultsState {
  runId: string;
  runName: string;
  status: RunStatus;
  /** The run's distillation temperature, from the summary or the config. */
  temperature?: number;
  classes?: number;
  config?: unknown;
  summary?: RunSummary;
  curves: Record<ModelRole, RoleCurves>;
  /** Curves of each ensemble member, by member name in the order their first event arrived. */
  memberCurves: Map<string, RoleCurves>;
  evaluations: Partial<Record<ModelRole, ModelEvaluation>>;
  /** The ensemble teacher's combine rule; undefined when the teacher is not an ensemble. */
  ensembleCombine?: EnsembleCombine;
  /** Member names in config order, from the config; members not in it follow in arrival order. */
  memberNames: string[];
  /** Evaluations of the ensemble members, in the order of `memberNames`. */
  memberEvaluations: ModelEvaluation[];
  biasAdjustment?: BiasAdjustmentResult;
  phase?: { phase: RunPhase; detail: string };
  error?: string;
  warnings: string[];
  softened?: DecodedSoftened;
  /** Why the softened subset could not be decoded. */
  softenedError?: string;
  /** Events applied so far. */
  eventCount: number;
}

/** Parts of the state that an update changed, so the views redraw only what they show. */
export type ResultsChange = 'run' | 'curves' | 'evaluations' | 'softened';

function emptyCurves(): RoleCurves {
  return {
    steps: { x: [], step: [], loss: [] },
    epochs: { epoch: [], loss: [], softLoss: [], softKlDivergence: [], hardLoss: [], validationAccuracy: [], validationLoss: [], seconds: [], epochs: 0 },
  };
}

/** JSON has no NaN, so the worker's NaN arrives as null; a missing field stays missing. */
function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configTemperature(config: unknown): number | undefined {
  if (!isRecord(config) || !isRecord(config.distillation)) {
    return undefined;
  }
  const temperature = config.distillation.temperature;
  return typeof temperature === 'number' && temperature > 0 ? temperature : undefined;
}

/** Reads the ensemble's combine rule and member names, when the config's teacher is an ensemble. */
function configEnsemble(config: unknown): { combine: EnsembleCombine; names: string[] } | undefined {
  if (!isRecord(config) || !isRecord(config.teacher) || config.teacher.kind !== 'ensemble') {
    return undefined;
  }
  const { combine, members } = config.teacher;
  const names: string[] = [];
  if (Array.isArray(members)) {
    for (const member of members) {
      if (isRecord(member) && typeof member.name === 'string') {
        names.push(member.name);
      }
    }
  }
  return { combine: combine === 'geometric' ? 'geometric' : 'arithmetic', names };
}

function applyConfigEnsemble(state: ResultsState, config: unknown): void {
  const ensemble = configEnsemble(config);
  if (ensemble === undefined) {
    return;
  }
  state.ensembleCombine = ensemble.combine;
  for (const name of ensemble.names) {
    addMemberName(state, name);
  }
}

function addMemberName(state: ResultsState, name: string): void {
  if (!state.memberNames.includes(name)) {
    state.memberNames.push(name);
  }
}

/** Stores a member's evaluation, replacing an earlier one of the same member, in `memberNames` order. */
function setMemberEvaluation(state: ResultsState, evaluation: ModelEvaluation & { member: string }): void {
  addMemberName(state, evaluation.member);
  const others = state.memberEvaluations.filter((one) => one.member !== evaluation.member);
  state.memberEvaluations = [...others, evaluation].sort((a, b) => state.memberNames.indexOf(a.member ?? '') - state.memberNames.indexOf(b.member ?? ''));
}

/** The curves that a progress or epoch event extends: its member's when it names one. */
function curvesOf(state: ResultsState, role: ModelRole, member: string | undefined): RoleCurves {
  if (member === undefined) {
    return state.curves[role];
  }
  let curves = state.memberCurves.get(member);
  if (curves === undefined) {
    curves = emptyCurves();
    state.memberCurves.set(member, curves);
    addMemberName(state, member);
  }
  return curves;
}

function applySummary(state: ResultsState, summary: RunSummary): void {
  state.summary = summary;
  state.status = summary.status;
  state.runName = summary.name || state.runName;
  if (summary.temperature > 0) {
    state.temperature = summary.temperature;
  }
  if (summary.classes !== undefined) {
    state.classes = summary.classes;
  }
  if (summary.error !== undefined) {
    state.error = summary.error;
  }
  for (const role of modelRoles) {
    const evaluation = summary.models[role];
    if (evaluation !== undefined) {
      state.evaluations[role] = evaluation;
    }
  }
  if (summary.ensemble !== undefined) {
    state.ensembleCombine = summary.ensemble.combine;
    for (const member of summary.ensemble.members) {
      if (member.member !== undefined) {
        setMemberEvaluation(state, { ...member, member: member.member });
      }
    }
  }
  if (summary.biasAdjustment !== undefined) {
    state.biasAdjustment = summary.biasAdjustment;
  }
}

/** Builds the state from a snapshot: its summary and config first, then every event in order. */
export function createResultsState(snapshot: ResultsSnapshotMessage): ResultsState {
  const state: ResultsState = {
    runId: snapshot.runId,
    runName: snapshot.runName,
    status: snapshot.status,
    config: snapshot.config,
    temperature: configTemperature(snapshot.config),
    curves: { teacher: emptyCurves(), distilled: emptyCurves(), baseline: emptyCurves() },
    memberCurves: new Map(),
    evaluations: {},
    memberNames: [],
    memberEvaluations: [],
    warnings: [...snapshot.warnings],
    eventCount: 0,
  };

  applyConfigEnsemble(state, snapshot.config);
  applyEvents(state, snapshot.events);
  // summary.json is written after the events it reflects, so it wins over them.
  if (snapshot.summary !== undefined) {
    applySummary(state, snapshot.summary);
  }
  if (snapshot.softened !== undefined) {
    applySoftened(state, snapshot.softened);
  }
  return state;
}

/** Applies events in order and returns what they changed. */
export function applyEvents(state: ResultsState, events: readonly StoredWorkerEvent[]): Set<ResultsChange> {
  const changes = new Set<ResultsChange>();
  for (const event of events) {
    if (event.runId !== state.runId) {
      continue;
    }
    state.eventCount += 1;

    switch (event.type) {
      case 'run/started': {
        state.status = 'running';
        state.config = state.config ?? event.config;
        state.temperature = state.temperature ?? configTemperature(event.config);
        applyConfigEnsemble(state, event.config);
        if (typeof event.config?.name === 'string') {
          state.runName = event.config.name;
        }
        changes.add('run');
        break;
      }
      case 'run/phase': {
        state.phase = { phase: event.phase, detail: event.detail };
        changes.add('run');
        break;
      }
      case 'run/progress': {
        const steps = curvesOf(state, event.role, event.member).steps;
        steps.x.push(event.epoch - 1 + (event.batches > 0 ? event.batch / event.batches : 1));
        steps.step.push(event.step);
        steps.loss.push(event.loss);
        changes.add('curves');
        break;
      }
      case 'run/epoch': {
        const epochs = curvesOf(state, event.role, event.member).epochs;
        epochs.epoch.push(event.epoch);
        epochs.loss.push(event.loss);
        epochs.softLoss.push(finiteOrNull(event.softLoss));
        epochs.softKlDivergence.push(finiteOrNull(event.softKlDivergence));
        epochs.hardLoss.push(finiteOrNull(event.hardLoss));
        epochs.validationAccuracy.push(finiteOrNull(event.validationAccuracy));
        epochs.validationLoss.push(finiteOrNull(event.validationLoss));
        epochs.seconds.push(event.seconds);
        epochs.epochs = event.epochs;
        changes.add('curves');
        break;
      }
      case 'run/evaluation': {
        const member = event.evaluation.member;
        if (member !== undefined) {
          // A member's evaluation must not replace the ensemble's, which has the same role.
          setMemberEvaluation(state, { ...event.evaluation, member });
          changes.add('evaluations');
          break;
        }
        state.evaluations[event.evaluation.role] = event.evaluation;
        state.classes = state.classes ?? event.evaluation.confusion.length;
        changes.add('evaluations');
        break;
      }
      case 'run/finished': {
        applySummary(state, event.summary);
        state.status = event.status;
        state.phase = undefined;
        if (event.error !== undefined) {
          state.error = event.error;
        }
        changes.add('run');
        changes.add('evaluations');
        break;
      }
      case 'run/log':
      case 'run/rejected':
        break;
    }
  }
  return changes;
}

/** Decodes and stores the softened subset; a size mismatch is kept as `softenedError` for the view. */
export function applySoftened(state: ResultsState, subset: SoftenedSubset): Set<ResultsChange> {
  try {
    state.softened = decodeSoftened(subset);
    state.softenedError = undefined;
    state.classes = state.classes ?? subset.classes;
  } catch (error) {
    state.softened = undefined;
    state.softenedError = error instanceof Error ? error.message : String(error);
  }
  return new Set<ResultsChange>(['softened']);
}

/** Roles that have any curve data, in role order. */
export function rolesWithCurves(state: ResultsState): ModelRole[] {
  return modelRoles.filter((role) => state.curves[role].steps.x.length > 0 || state.curves[role].epochs.epoch.length > 0);
}
