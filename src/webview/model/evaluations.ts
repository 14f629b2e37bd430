// The evaluated models of a run as the accuracy tab lays them out side by side: the ensemble's
// members, the teacher, the distilled student, the bias-adjusted distilled student and the baseline.

import type { EnsembleCombine, ModelRole } from '../../config/types';
import type { BiasAdjustmentResult, ModelEvaluation } from '../../protocol/messages';
import { t } from '../l10n';
import { modelLabel, roleLabel } from './curves';
import type { ResultsState } from './results';
import { modelRoles } from './softened';

export type EvaluationKind = 'model' | 'member' | 'adjusted';

export interface EvaluationColumn {
  /** Stable key for test ids: the role, `member-<name>` or `adjusted`. */
  key: string;
  label: string;
  role: ModelRole;
  kind: EvaluationKind;
  evaluation: ModelEvaluation;
}

/** Returns "arithmetic mean of 3" or "geometric mean of 3". */
export function combineLabel(combine: EnsembleCombine, members: number): string {
  return combine === 'geometric' ? t('geometric mean of {0}', members) : t('arithmetic mean of {0}', members);
}

/** Returns the teacher's column label: "Ensemble (arithmetic mean of 3)" for an ensemble, else "Teacher". */
export function teacherLabel(state: Pick<ResultsState, 'ensembleCombine' | 'memberNames'>): string {
  if (state.ensembleCombine === undefined) {
    return roleLabel('teacher');
  }
  return t('Ensemble ({0})', combineLabel(state.ensembleCombine, state.memberNames.length));
}

export function adjustedLabel(): string {
  return t('Distilled, bias-adjusted');
}

/**
 * Lists the evaluated models in display order: members, teacher, distilled, bias-adjusted
 * distilled, baseline. Members and the adjusted student appear only when the run has them.
 */
export function evaluationColumns(state: ResultsState): EvaluationColumn[] {
  const columns: EvaluationColumn[] = [];
  for (const role of modelRoles) {
    if (role === 'teacher') {
      for (const evaluation of state.memberEvaluations) {
        const member = evaluation.member ?? '';
        columns.push({ key: `member-${member}`, label: modelLabel('teacher', member), role, kind: 'member', evaluation });
      }
    }
    const evaluation = state.evaluations[role];
    if (evaluation !== undefined) {
      columns.push({ key: role, label: role === 'teacher' ? teacherLabel(state) : roleLabel(role), role, kind: 'model', evaluation });
    }
    if (role === 'distilled' && state.biasAdjustment !== undefined) {
      columns.push({ key: 'adjusted', label: adjustedLabel(), role, kind: 'adjusted', evaluation: state.biasAdjustment.evaluation });
    }
  }
  return columns;
}

export interface EnsembleGain {
  ensembleErrors: number;
  /** The member with the fewest test errors; the first of them on a tie. */
  bestMember: string;
  bestMemberErrors: number;
  /** Members with fewer test errors than the ensemble, which should be none. */
  membersBetter: string[];
}

/** Compares the ensemble's test errors with its members'; undefined unless both are evaluated. */
export function ensembleGain(teacher: ModelEvaluation | undefined, members: readonly ModelEvaluation[]): EnsembleGain | undefined {
  if (teacher === undefined || members.length === 0) {
    return undefined;
  }
  const best = members.reduce((lowest, member) => (member.errors < lowest.errors ? member : lowest));
  return {
    ensembleErrors: teacher.errors,
    bestMember: best.member ?? '',
    bestMemberErrors: best.errors,
    membersBetter: members.filter((member) => member.errors < teacher.errors).map((member) => member.member ?? ''),
  };
}

export interface OmittedClassRow {
  label: number;
  offset: number;
  errorsBefore: number;
  errorsAfter: number;
  examples: number;
}

/** Returns one row per omitted class. The arrays of the result follow `classes`, and a missing entry becomes NaN. */
export function omittedClassRows(result: BiasAdjustmentResult): OmittedClassRow[] {
  return result.classes.map((label, index) => ({
    label,
    offset: result.offsets[index] ?? Number.NaN,
    errorsBefore: result.classTestErrorsBefore[index] ?? Number.NaN,
    errorsAfter: result.classTestErrorsAfter[index] ?? Number.NaN,
    examples: result.classTestExamples[index] ?? Number.NaN,
  }));
}
