// Turns the reducer's per-model series into the columns that uPlot draws: one shared, sorted x
// column and one y column per series, with null where a series has no point at that x.

import type { ModelRole } from '../../config/types';
import { t } from '../l10n';
import type { ResultsState } from './results';

export interface PointSeries {
  /** Increasing x values. */
  x: readonly number[];
  y: readonly (number | null)[];
}

export type AlignedColumns = [number[], ...(number | null)[][]];

/**
 * Merges series with increasing x values into aligned columns, in O(total points × series).
 * Points with equal x share a row. A series whose x values are not increasing is sorted first.
 */
export function alignSeries(series: readonly PointSeries[]): AlignedColumns {
  const sorted = series.map((one) => (isIncreasing(one.x) ? one : sortSeries(one)));
  const cursors = new Array<number>(sorted.length).fill(0);
  const xs: number[] = [];
  const ys: (number | null)[][] = sorted.map(() => []);

  // Plain loops, because this runs on every redraw of a live chart, over thousands of rows.
  for (;;) {
    let next = Infinity;
    for (let index = 0; index < sorted.length; index += 1) {
      const cursor = cursors[index];
      const x = sorted[index].x;
      if (cursor < x.length && x[cursor] < next) {
        next = x[cursor];
      }
    }
    if (next === Infinity) {
      break;
    }

    xs.push(next);
    for (let index = 0; index < sorted.length; index += 1) {
      const cursor = cursors[index];
      const one = sorted[index];
      if (cursor < one.x.length && one.x[cursor] === next) {
        ys[index].push(one.y[cursor]);
        cursors[index] = cursor + 1;
      } else {
        ys[index].push(null);
      }
    }
  }
  return [xs, ...ys];
}

function isIncreasing(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i += 1) {
    if (!(values[i] > values[i - 1])) {
      return false;
    }
  }
  return true;
}

function sortSeries(one: PointSeries): PointSeries {
  const order = one.x.map((_, index) => index).sort((a, b) => one.x[a] - one.x[b]);
  return { x: order.map((index) => one.x[index]), y: order.map((index) => one.y[index]) };
}

/** What a line on a curves chart shows. */
export type CurveMetric = 'stepLoss' | 'loss' | 'softLoss' | 'softKlDivergence' | 'hardLoss' | 'validationAccuracy' | 'validationLoss';

export interface CurveDefinition {
  /** Stable key, used for toggles and tests. */
  key: string;
  role: ModelRole;
  /** The ensemble member whose curve this is; absent for whole models. */
  member?: string;
  metric: CurveMetric;
  label: string;
  /** Tooltip text that says what the curve shows; absent when the label is enough. */
  description?: string;
  /** The label of an ensemble member's copy of this teacher curve. */
  memberLabel?: (member: string) => string;
  /** Key of a curve of the same chart that this curve replaces when this one has points. */
  replaces?: string;
}

export function roleLabel(role: ModelRole): string {
  switch (role) {
    case 'teacher':
      return t('Teacher');
    case 'distilled':
      return t('Distilled');
    case 'baseline':
      return t('Baseline');
  }
}

/** Returns "Teacher a" for ensemble member a, and the role's label for a whole model. */
export function modelLabel(role: ModelRole, member?: string): string {
  // Only the teacher has members; a member on another role keeps its role's label.
  return member === undefined || role !== 'teacher' ? roleLabel(role) : t('Teacher {0}', member);
}

/**
 * Creates a curve whose label is translated when read, not when this module loads, because the
 * page sets the translations after its modules have loaded.
 */
function curve(key: string, role: ModelRole, metric: CurveMetric, label: () => string, memberLabel?: (member: string) => string): CurveDefinition {
  return {
    key,
    role,
    metric,
    get label() {
      return label();
    },
    memberLabel,
  };
}

/** Creates a curve that takes the place of the curve `replaces` in runs that have its metric. */
function replacingCurve(key: string, role: ModelRole, metric: CurveMetric, replaces: string, label: () => string, description: () => string): CurveDefinition {
  return {
    key,
    role,
    metric,
    replaces,
    get label() {
      return label();
    },
    get description() {
      return description();
    },
  };
}

/**
 * The series of the loss chart: training loss every few steps, and per-epoch losses, soft and hard
 * terms apart. The soft term's KL part replaces the soft term in runs that report it, because the
 * soft cross-entropy also contains the teacher's entropy, which keeps that curve far from 0.
 */
export const lossCurves: readonly CurveDefinition[] = [
  curve('teacher-step', 'teacher', 'stepLoss', () => t('Teacher, per step'), (member) => t('Teacher {0}, per step', member)),
  curve('teacher-epoch', 'teacher', 'loss', () => t('Teacher, epoch mean'), (member) => t('Teacher {0}, epoch mean', member)),
  curve('distilled-step', 'distilled', 'stepLoss', () => t('Distilled total, per step')),
  curve('distilled-epoch', 'distilled', 'loss', () => t('Distilled total, epoch mean')),
  replacingCurve(
    'distilled-soft-kl',
    'distilled',
    'softKlDivergence',
    'distilled-soft',
    () => t('Distilled soft KL (×T²)'),
    () => t("T² · KL(p_T ‖ q_T): the soft term without the teacher's entropy T² · H(p_T), which does not depend on the student. It is 0 when the student's softened outputs equal the teacher's, and its gradients are those of the soft term."),
  ),
  curve('distilled-soft', 'distilled', 'softLoss', () => t('Distilled soft term (×T²)')),
  curve('distilled-hard', 'distilled', 'hardLoss', () => t('Distilled hard term')),
  curve('baseline-step', 'baseline', 'stepLoss', () => t('Baseline, per step')),
  curve('baseline-epoch', 'baseline', 'loss', () => t('Baseline, epoch mean')),
];

export const accuracyCurves: readonly CurveDefinition[] = [
  curve('teacher-validation', 'teacher', 'validationAccuracy', () => t('Teacher'), (member) => modelLabel('teacher', member)),
  curve('distilled-validation', 'distilled', 'validationAccuracy', () => t('Distilled')),
  curve('baseline-validation', 'baseline', 'validationAccuracy', () => t('Baseline')),
];

/**
 * Returns the curves of a chart for this run. Each ensemble member gets its own copy of the
 * teacher curves, in member order and before the teacher's. The teacher's curves then show only
 * the events without a member name.
 */
export function withMemberCurves(state: ResultsState, curves: readonly CurveDefinition[]): CurveDefinition[] {
  const members = state.memberNames.filter((member) => state.memberCurves.has(member));
  const teacherCurves = curves.filter((curve) => curve.role === 'teacher');
  if (members.length === 0 || teacherCurves.length === 0) {
    return [...curves];
  }

  // Each member's curves stay together, in the teacher curves' order.
  const memberCurves = members.flatMap((member) =>
    teacherCurves.map((teacherCurve) => ({
      ...teacherCurve,
      key: `${teacherCurve.key}-member-${member}`,
      member,
      label: teacherCurve.memberLabel?.(member) ?? modelLabel('teacher', member),
    })),
  );
  const first = curves.indexOf(teacherCurves[0]);
  return [...curves.slice(0, first), ...memberCurves, ...curves.slice(first)];
}

/** Returns one curve's points; per-epoch points sit at the end of their epoch (x = epoch). */
export function curvePoints(state: ResultsState, curve: CurveDefinition): PointSeries {
  const curves = curve.member === undefined ? state.curves[curve.role] : state.memberCurves.get(curve.member);
  if (curves === undefined) {
    return { x: [], y: [] };
  }
  if (curve.metric === 'stepLoss') {
    return { x: curves.steps.x, y: curves.steps.loss };
  }
  return { x: curves.epochs.epoch, y: curves.epochs[curve.metric] };
}

/**
 * Returns the curves of a chart that have at least one point, without those that a present curve
 * replaces, and their points. The point arrays are the state's own, which the reducer extends in
 * place, so a chart can decimate them incrementally.
 */
export function chartSeries(state: ResultsState, curves: readonly CurveDefinition[]): { curves: CurveDefinition[]; points: PointSeries[] } {
  const withPoints = withMemberCurves(state, curves).filter((curve) => curvePoints(state, curve).y.some((value) => value !== null));
  const replaced = new Set(withPoints.map((curve) => curve.replaces).filter((key) => key !== undefined));
  const present = withPoints.filter((curve) => !replaced.has(curve.key));
  return { curves: present, points: present.map((curve) => curvePoints(state, curve)) };
}

/** Aligned columns for a chart, and the curves that have at least one point. */
export function chartColumns(state: ResultsState, curves: readonly CurveDefinition[]): { curves: CurveDefinition[]; columns: AlignedColumns } {
  const { curves: present, points } = chartSeries(state, curves);
  return { curves: present, columns: alignSeries(points) };
}
