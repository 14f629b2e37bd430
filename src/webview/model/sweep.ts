// The Sweep tab's data: the distilled student's test errors against T, one series per soft weight,
// with the shared teacher and baseline as constant reference series, and the table of the grid.

import type { SweepChild, SweepSummary } from '../../protocol/messages';
import { t } from '../l10n';
import type { AlignedColumns } from './curves';
import { statusLabel } from './format';

export interface SweepSeriesDefinition {
  key: string;
  label: string;
  kind: 'softWeight' | 'teacher' | 'baseline';
  /** Position among the soft weights, for the colour; absent on the reference series. */
  index?: number;
}

export interface SweepChart {
  series: SweepSeriesDefinition[];
  /** x: the temperatures in increasing order; then one column per series, null where a child has no errors yet. */
  columns: AlignedColumns;
}

function childAt(sweep: SweepSummary, temperature: number, softWeight: number): SweepChild | undefined {
  return sweep.children.find((child) => child.temperature === temperature && child.softWeight === softWeight);
}

/** Builds the chart columns of a sweep; only completed children give points. */
export function sweepChart(sweep: SweepSummary): SweepChart {
  const temperatures = [...sweep.temperatures].sort((a, b) => a - b);
  const series: SweepSeriesDefinition[] = sweep.softWeights.map((softWeight, index) => ({
    key: `soft-${softWeight}`,
    label: t('soft weight {0}', softWeight),
    kind: 'softWeight',
    index,
  }));
  const columns: AlignedColumns = [
    temperatures,
    ...sweep.softWeights.map((softWeight) =>
      temperatures.map((temperature) => {
        const child = childAt(sweep, temperature, softWeight);
        return child?.status === 'completed' && child.errors !== undefined ? child.errors : null;
      }),
    ),
  ];
  for (const role of ['teacher', 'baseline'] as const) {
    const evaluation = sweep[role];
    if (evaluation !== undefined) {
      series.push({ key: role, label: role === 'teacher' ? t('teacher') : t('baseline student'), kind: role });
      columns.push(temperatures.map(() => evaluation.errors));
    }
  }
  return { series, columns };
}

export interface SweepTable {
  headers: string[];
  rows: string[][];
  /**
   * Row and column of each cell with the fewest test errors among the completed children, every
   * such cell on a tie. It is empty while no child has completed. Column 0 is the T column.
   */
  best: { row: number; column: number }[];
}

/**
 * Returns the table of the grid: one row per temperature, one column per soft weight, each cell
 * the test errors or the child's status when it has none.
 */
export function sweepTable(sweep: SweepSummary): SweepTable {
  const headers = ['T', ...sweep.softWeights.map((softWeight) => t('soft weight {0}', softWeight))];
  const temperatures = [...sweep.temperatures].sort((a, b) => a - b);
  const errorsAt = (temperature: number, softWeight: number): number | undefined => {
    const child = childAt(sweep, temperature, softWeight);
    return child?.status === 'completed' ? child.errors : undefined;
  };
  const completedErrors = temperatures.flatMap((temperature) => sweep.softWeights.map((softWeight) => errorsAt(temperature, softWeight))).filter((errors): errors is number => errors !== undefined);
  const fewest = completedErrors.length === 0 ? undefined : Math.min(...completedErrors);
  const best = temperatures.flatMap((temperature, row) =>
    sweep.softWeights.flatMap((softWeight, index) => (fewest !== undefined && errorsAt(temperature, softWeight) === fewest ? [{ row, column: index + 1 }] : [])),
  );
  const rows = temperatures
    .map((temperature) => [
      String(temperature),
      ...sweep.softWeights.map((softWeight) => {
        const child = childAt(sweep, temperature, softWeight);
        if (child === undefined) {
          return '';
        }
        if (child.status === 'completed' && child.errors !== undefined) {
          return String(child.errors);
        }
        // A child that has no run folder never started: the sweep was cancelled or interrupted first.
        return child.runId === undefined && (child.status === 'cancelled' || child.status === 'interrupted') ? t('not run') : statusLabel(child.status);
      }),
    ]);
  return { headers, rows, best };
}

/**
 * Returns the line above the Sweep tab's chart: "Sweep 20261204-120000-quick interrupted: 3 of 10
 * child runs completed." Each status has its own message because in French a sweep (un balayage)
 * takes other adjective endings than a run.
 */
export function sweepSummaryLine(sweep: SweepSummary): string {
  const done = sweep.children.filter((child) => child.status === 'completed').length;
  const total = sweep.children.length;
  switch (sweep.status) {
    case 'queued':
      return t('Sweep {0} queued: {1} of {2} child runs completed.', sweep.sweepId, done, total);
    case 'running':
      return t('Sweep {0} running: {1} of {2} child runs completed.', sweep.sweepId, done, total);
    case 'completed':
      return t('Sweep {0} completed: {1} of {2} child runs completed.', sweep.sweepId, done, total);
    case 'cancelled':
      return t('Sweep {0} cancelled: {1} of {2} child runs completed.', sweep.sweepId, done, total);
    case 'failed':
      return t('Sweep {0} failed: {1} of {2} child runs completed.', sweep.sweepId, done, total);
    case 'interrupted':
      return t('Sweep {0} interrupted: {1} of {2} child runs completed.', sweep.sweepId, done, total);
  }
}
