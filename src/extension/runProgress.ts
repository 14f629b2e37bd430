// Progress text and fractions of a live run, from its latest phase and progress events, for the
// progress notification, the status bar and the experiments tree. No `vscode` import.

import type { DistillConfig, ModelRole } from '../config/types';
import type { RunEpochEvent, RunPhase, RunPhaseEvent, RunProgressEvent } from '../protocol/messages';
import { formatPercent, roleLabel, type Localizer } from './format';

/** The latest live state of a run, as RunManager's handles hold it. */
export interface LiveRunState {
  phase?: RunPhaseEvent;
  progress?: RunProgressEvent;
  lastEpoch?: RunEpochEvent;
  cancelRequested?: boolean;
}

const allRoles: ModelRole[] = ['teacher', 'distilled', 'baseline'];

/** Returns the models that the run trains, in training order; all three when the config is unknown. */
export function trainedRoles(config: DistillConfig | undefined): ModelRole[] {
  if (config === undefined) {
    return allRoles;
  }
  const roles: ModelRole[] = [];
  if (config.teacher.kind === 'train' || teacherMembers(config).length > 0) {
    roles.push('teacher');
  }
  roles.push('distilled');
  if (config.baseline) {
    roles.push('baseline');
  }
  return roles;
}

/** Returns the names of the ensemble members that the run trains, in training order; none for other teachers. */
export function teacherMembers(config: DistillConfig | undefined): string[] {
  if (config?.teacher.kind !== 'ensemble') {
    return [];
  }
  return config.teacher.members.filter((member) => member.kind === 'train').map((member) => member.name);
}

function isModelRole(phase: RunPhase | undefined): phase is ModelRole {
  return phase === 'teacher' || phase === 'distilled' || phase === 'baseline';
}

/** Returns the share of one model's training steps done, in [0, 1]. */
export function modelFraction(progress: RunProgressEvent): number {
  const totalBatches = progress.epochs * progress.batches;
  if (totalBatches <= 0) {
    return 0;
  }
  const doneBatches = (progress.epoch - 1) * progress.batches + progress.batch;
  return Math.min(1, Math.max(0, doneBatches / totalBatches));
}

/**
 * Returns the share of the teacher's training done when its progress is that of an ensemble
 * member: each trained member counts as an equal part of the teacher's share.
 */
function teacherFraction(progress: RunProgressEvent, members: readonly string[]): number {
  const position = progress.member === undefined ? -1 : members.indexOf(progress.member);
  if (position < 0) {
    // NOTE: without the member list the share restarts at 0 for each member.
    return modelFraction(progress);
  }
  return (position + modelFraction(progress)) / members.length;
}

/**
 * Estimates the share of the run done, in [0, 1], or undefined before training starts. Every
 * trained model counts as an equal share: the host does not know the data sizes, so a teacher
 * that trains on 20 times more examples than the students still counts as one share. An
 * ensemble teacher's share is split evenly between its trained `members`.
 */
export function runFraction(live: LiveRunState, roles: readonly ModelRole[], members: readonly string[] = []): number | undefined {
  const phase = live.phase?.phase;
  const progress = live.progress;
  const current = isModelRole(phase) && roles.includes(phase) ? phase : undefined;

  if (progress !== undefined && roles.includes(progress.role) && (current === undefined || progress.role === current)) {
    const done = progress.role === 'teacher' ? teacherFraction(progress, members) : modelFraction(progress);
    return (roles.indexOf(progress.role) + done) / roles.length;
  }
  if (current !== undefined) {
    // The phase has moved on to a model whose first progress event has not arrived yet.
    return roles.indexOf(current) / roles.length;
  }
  return undefined;
}

export function phaseLabel(phase: RunPhase, l10n: Localizer): string {
  switch (phase) {
    case 'data':
      return l10n.t('Loading data');
    case 'teacher':
    case 'distilled':
    case 'baseline':
      return roleLabel(phase, l10n);
    case 'teacher-logits':
      return l10n.t("Computing the teacher's logits");
    case 'bias-adjustment':
      return l10n.t('Adjusting the biases of the omitted classes');
    case 'evaluation':
      return l10n.t('Evaluating');
    case 'saving':
      return l10n.t('Saving models');
  }
}

/** Returns the epoch of the model in training as "epoch 3/30", or undefined outside training. */
function currentEpoch(live: LiveRunState, l10n: Localizer): string | undefined {
  const phase = live.phase?.phase;
  const progress = live.progress;
  if (progress === undefined || (phase !== undefined && phase !== progress.role)) {
    return undefined;
  }
  return l10n.t('epoch {0}/{1}', progress.epoch, progress.epochs);
}

/** Returns "Teacher b" for ensemble member b, and the role's label for a whole model. */
export function modelLabel(role: ModelRole, member: string | undefined, l10n: Localizer): string {
  // Only the teacher has members; a member on another role keeps its role's label.
  if (member === undefined || role !== 'teacher') {
    return roleLabel(role, l10n);
  }
  return l10n.t('Teacher {0}', member);
}

/**
 * Describes the run's progress in one line: "Teacher: epoch 3/30 · 8 %", "Teacher b: epoch 2/5 · 13 %"
 * while ensemble member b trains, "Evaluating · 100 %".
 */
export function describeProgress(live: LiveRunState, roles: readonly ModelRole[], l10n: Localizer, members: readonly string[] = []): string {
  if (live.cancelRequested === true) {
    return l10n.t('Cancelling…');
  }
  if (live.phase === undefined && live.progress === undefined) {
    return l10n.t('Starting…');
  }

  const phase = live.phase?.phase ?? live.progress?.role;
  const parts: string[] = [];
  const epoch = currentEpoch(live, l10n);
  let label = phase === undefined ? '' : phaseLabel(phase, l10n);
  if (epoch !== undefined && live.progress?.member !== undefined) {
    label = modelLabel(live.progress.role, live.progress.member, l10n);
  }
  parts.push(epoch === undefined ? label : l10n.t('{0}: {1}', label, epoch));

  // "run" keeps the share of the whole run (runFraction) from being read as the epoch's progress.
  const fraction = runFraction(live, roles, members);
  if (fraction !== undefined) {
    parts.push(l10n.t('run {0}', formatPercent(fraction, l10n, 0)));
  }
  return parts.join(' · ');
}

/** Describes the run's progress in a few characters for the status bar: "teacher 3/30". */
export function describeProgressShort(live: LiveRunState, l10n: Localizer): string {
  if (live.cancelRequested === true) {
    return l10n.t('cancelling');
  }
  const progress = live.progress;
  const phase = live.phase?.phase;
  if (progress !== undefined && (phase === undefined || phase === progress.role)) {
    return l10n.t('{0} {1}/{2}', modelLabel(progress.role, progress.member, l10n), progress.epoch, progress.epochs);
  }
  if (phase !== undefined) {
    return phaseLabel(phase, l10n);
  }
  return l10n.t('starting');
}
