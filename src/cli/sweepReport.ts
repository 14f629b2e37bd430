// Text output of `distill run` for a sweep: the grid of distilled test errors and child lines.

import Table from 'cli-table3';

import type { SweepChild, SweepSummary } from '../protocol/messages';
import { formatCount } from './report';

function cellText(child: SweepChild | undefined): string {
  if (child === undefined) {
    return '';
  }
  if (child.errors !== undefined && child.status === 'completed') {
    return String(child.errors);
  }
  // A child that the sweep stopped before it started has no run; "cancelled" would suggest one.
  if (child.runId === undefined && (child.status === 'cancelled' || child.status === 'interrupted')) {
    return 'not run';
  }
  return child.errors !== undefined ? `${child.errors} (${child.status})` : child.status;
}

/**
 * Renders a sweep as a table: one row per temperature, one column per soft weight, and the
 * distilled student's test errors in each cell, followed by the teacher's and the baseline's.
 */
export function renderSweepTable(summary: SweepSummary, colors: boolean): string {
  const table = new Table({
    head: ['T \\ soft weight', ...summary.softWeights.map(String)],
    colAligns: ['left', ...summary.softWeights.map(() => 'right' as const)],
    style: colors ? {} : { head: [], border: [] },
  });
  for (const temperature of summary.temperatures) {
    const row = summary.softWeights.map((softWeight) =>
      cellText(summary.children.find((child) => child.temperature === temperature && child.softWeight === softWeight)),
    );
    table.push([String(temperature), ...row]);
  }

  const examples = summary.teacher?.examples ?? summary.baseline?.examples;
  const lines = [`Distilled student's test errors${examples !== undefined ? ` (of ${formatCount(examples)} test examples)` : ''}:`, table.toString()];
  if (summary.teacher !== undefined) {
    lines.push(`Teacher: ${formatCount(summary.teacher.errors)} test errors`);
  }
  if (summary.baseline !== undefined) {
    lines.push(`Baseline student (hard labels only): ${formatCount(summary.baseline.errors)} test errors`);
  }
  return lines.join('\n');
}
