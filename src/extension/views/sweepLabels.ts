// Labels of sweeps and their child runs in the experiments tree. No `vscode` import.

import type { SweepMembership, SweepSummary } from '../../protocol/messages';
import { formatCount, formatDateTime, type Localizer } from '../format';

/** Returns "T = 5 · soft 0.9". */
export function sweepChildLabel(membership: Pick<SweepMembership, 'temperature' | 'softWeight'>, l10n: Localizer): string {
  return l10n.t('T = {0} · soft {1}', membership.temperature, membership.softWeight);
}

/**
 * Returns "Sweep 5 × 2" (temperatures × soft weights), or "Sweep" when sweep.json is missing. The
 * start time goes at the end of the description, so that a narrow side bar cuts it off first.
 */
export function sweepLabel(summary: SweepSummary | undefined, l10n: Localizer): string {
  if (summary === undefined) {
    return l10n.t('Sweep');
  }
  return l10n.t('Sweep {0} × {1}', summary.temperatures.length, summary.softWeights.length);
}

/** Returns the tooltip of a sweep node: the grid, the start time, the config and any error, a line each. */
export function sweepTooltip(summary: SweepSummary | undefined, l10n: Localizer): string | undefined {
  if (summary === undefined) {
    return undefined;
  }
  const lines = [
    l10n.t('Sweep of {0} temperatures × {1} soft weights', summary.temperatures.length, summary.softWeights.length),
    l10n.t('T: {0}', summary.temperatures.join(', ')),
    l10n.t('Soft weights: {0}', summary.softWeights.join(', ')),
    l10n.t('Started {0}', formatDateTime(summary.startedAt, l10n)),
    summary.configPath,
  ];
  if (summary.error !== undefined) {
    lines.push(summary.error);
  }
  return lines.join('\n');
}

/** Counts the children of an ended sweep that never started: cancelled or still queued, with no run folder. */
function countNotRun(summary: SweepSummary): number {
  if (summary.status === 'queued' || summary.status === 'running') {
    return 0;
  }
  return summary.children.filter((child) => child.runId === undefined && (child.status === 'queued' || child.status === 'cancelled')).length;
}

/**
 * Returns the sweep's progress or result: "training the teacher and baseline", "3 of 10 done",
 * "best 74 errors (T = 5 · soft 0.9) · baseline 146", or, when it did not complete, its status
 * first: "interrupted, 3 of 10 done, 5 not run · best …"; then its start time. `live` is true when
 * this window runs it.
 * A sweep that another process runs, such as `distill run` in a terminal, reads "running, 3 of 10 done".
 */
export function sweepDescription(summary: SweepSummary | undefined, live: boolean, l10n: Localizer): string {
  if (summary === undefined) {
    return l10n.t('sweep.json not found');
  }
  return [sweepState(summary, live, l10n), formatDateTime(summary.startedAt, l10n)].filter((part) => part !== '').join(' · ');
}

/** Returns the sweep description without its start time. */
function sweepState(summary: SweepSummary, live: boolean, l10n: Localizer): string {
  const done = summary.children.filter((child) => child.status === 'completed').length;
  if (live && summary.teacher === undefined) {
    return l10n.t('training the teacher and baseline');
  }
  if (live) {
    return l10n.t('{0} of {1} done', done, summary.children.length);
  }
  const evaluated = summary.children.filter((child) => child.errors !== undefined);
  const parts: string[] = [];
  if (evaluated.length > 0) {
    const best = evaluated.reduce((a, b) => ((b.errors as number) < (a.errors as number) ? b : a));
    parts.push(l10n.t('best {0} errors ({1})', formatCount(best.errors as number, l10n), sweepChildLabel(best, l10n)));
  }
  if (summary.baseline !== undefined) {
    parts.push(l10n.t('baseline {0}', formatCount(summary.baseline.errors, l10n)));
  }
  if (summary.status !== 'completed') {
    const progress = sweepProgress(summary.status, done, summary.children.length, l10n);
    const notRun = countNotRun(summary);
    parts.unshift(notRun > 0 ? l10n.t('{0}, {1} not run', progress, notRun) : progress);
  }
  return parts.join(' · ');
}

/**
 * Returns "interrupted, 3 of 10 done". Each status has its own message, not the runs' status
 * label, because in French a sweep (un balayage) takes other adjective endings than a run.
 */
function sweepProgress(status: Exclude<SweepSummary['status'], 'completed'>, done: number, total: number, l10n: Localizer): string {
  switch (status) {
    case 'queued':
      return l10n.t('queued, {0} of {1} done', done, total);
    case 'running':
      return l10n.t('running, {0} of {1} done', done, total);
    case 'cancelled':
      return l10n.t('cancelled, {0} of {1} done', done, total);
    case 'failed':
      return l10n.t('failed, {0} of {1} done', done, total);
    case 'interrupted':
      return l10n.t('interrupted, {0} of {1} done', done, total);
  }
}
