// Labels, descriptions, icons and tooltips of runs in the experiments tree and the CodeLens, and
// the config highlights shared with the Markdown report. No `vscode` import: the tree wraps the
// strings and icon ids in VS Code's types.

import type { DistillConfig, DistillationLoss, EnsembleCombine, ModelRole } from '../../config/types';
import type { ModelEvaluation, RunStatus, RunSummary } from '../../protocol/messages';
import { localizeRunError } from '../runs/hostErrors';
import type { RunRecord } from '../runs/runIndex';
import {
  describeModelSpec,
  escapeMarkdown,
  escapeTableCell,
  firstLine,
  formatCount,
  formatDateTime,
  formatNumber,
  formatPercent,
  MODEL_ROLES,
  roleLabel,
  type Localizer,
} from '../format';
import { describeProgress, modelLabel, type LiveRunState } from '../runProgress';

/** Codicon ids (ThemeIcon ids) per run status. */
export const RUN_STATUS_ICONS: Readonly<Record<RunStatus, string>> = {
  queued: 'clock',
  running: 'sync~spin',
  completed: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  interrupted: 'warning',
};

/**
 * Theme color ids per run status, for the tree's icons; none for running and queued runs, whose
 * icons follow the foreground color.
 */
export const RUN_STATUS_COLORS: Readonly<Partial<Record<RunStatus, string>>> = {
  completed: 'testing.iconPassed',
  failed: 'testing.iconFailed',
  cancelled: 'disabledForeground',
  interrupted: 'list.warningForeground',
};

/**
 * Returns the context value of a run item, `distill.run.<status>`. package.json's menus match it
 * with `viewItem =~ /^distill\.run\.(…)$/`, so renaming it means editing the menus too.
 */
export function runContextValue(status: RunStatus): string {
  return `distill.run.${status}`;
}

/** Returns the context value of a model item under a run, `distill.model.<role>`. */
export function modelContextValue(role: ModelRole): string {
  return `distill.model.${role}`;
}

export function statusLabel(status: RunStatus, l10n: Localizer): string {
  switch (status) {
    case 'queued':
      return l10n.t('queued');
    case 'running':
      return l10n.t('running');
    case 'completed':
      return l10n.t('completed');
    case 'cancelled':
      return l10n.t('cancelled');
    case 'failed':
      return l10n.t('failed');
    case 'interrupted':
      return l10n.t('interrupted');
  }
}

export function lossLabel(loss: DistillationLoss, l10n: Localizer): string {
  switch (loss) {
    case 'soft-cross-entropy':
      return l10n.t('soft cross-entropy');
    case 'kl':
      return l10n.t('KL divergence');
    case 'logit-mse':
      return l10n.t('logit MSE');
  }
}

/** Returns the label of a run item: its local start time, or its run id when the start time is unknown. */
export function runLabel(record: RunRecord, l10n: Localizer): string {
  return record.startedAt === undefined ? record.runId : formatDateTime(record.startedAt, l10n);
}

/**
 * Returns "74 vs 146 errors" (distilled vs baseline test errors), "74 errors" when the run has no
 * baseline, or undefined before the distilled student is evaluated.
 */
export function errorsComparison(summary: RunSummary | undefined, l10n: Localizer): string | undefined {
  const distilled = summary?.models.distilled;
  const baseline = summary?.models.baseline;
  if (distilled === undefined) {
    return undefined;
  }
  if (baseline === undefined) {
    return l10n.t('{0} errors', formatCount(distilled.errors, l10n));
  }
  return l10n.t('{0} vs {1} errors', formatCount(distilled.errors, l10n), formatCount(baseline.errors, l10n));
}

/**
 * Describes a run item: live progress while it runs, the distilled vs baseline test errors
 * when it completed, the first line of the error when it failed, in the UI's language when the
 * host wrote the error.
 */
export function runDescription(
  record: RunRecord,
  live: LiveRunState | undefined,
  roles: readonly ModelRole[],
  l10n: Localizer,
  members: readonly string[] = [],
): string {
  const errors = errorsComparison(record.summary, l10n);
  switch (record.status) {
    case 'running':
    case 'queued':
      if (live !== undefined) {
        return describeProgress(live, roles, l10n, members);
      }
      if (record.lastEpoch !== undefined) {
        const epoch = record.lastEpoch;
        return l10n.t('{0}: epoch {1}/{2}', modelLabel(epoch.role, epoch.member, l10n), epoch.epoch, epoch.epochs);
      }
      return statusLabel(record.status, l10n);
    case 'completed':
      return errors ?? statusLabel(record.status, l10n);
    case 'failed': {
      const error = localizeRunError(record.error, record.errorReason, l10n);
      return error === undefined ? statusLabel(record.status, l10n) : l10n.t('failed: {0}', firstLine(error));
    }
    case 'cancelled':
    case 'interrupted':
      return errors === undefined ? statusLabel(record.status, l10n) : `${statusLabel(record.status, l10n)} · ${errors}`;
  }
}

/** Returns "Ensemble teacher (arithmetic mean of 3)". */
export function ensembleLabel(combine: EnsembleCombine, members: number, l10n: Localizer): string {
  switch (combine) {
    case 'arithmetic':
      return l10n.t('Ensemble teacher (arithmetic mean of {0})', members);
    case 'geometric':
      return l10n.t('Ensemble teacher (geometric mean of {0})', members);
  }
}

/** One evaluated model of a run, as the tree, the tooltip and the report list them. */
export interface EvaluatedModel {
  /** `model`: a whole model of `models`; `member`: an ensemble member; `adjusted`: the bias-adjusted distilled student. */
  kind: 'model' | 'member' | 'adjusted';
  role: ModelRole;
  member?: string;
  label: string;
  evaluation: ModelEvaluation;
}

/**
 * Lists a run's evaluated models in display order: the teacher (an ensemble is labelled as one)
 * and its members, the distilled student and its bias-adjusted version, then the baseline.
 */
export function evaluatedModels(summary: RunSummary | undefined, l10n: Localizer): EvaluatedModel[] {
  const models: EvaluatedModel[] = [];
  if (summary === undefined) {
    return models;
  }
  const ensemble = summary.ensemble;
  for (const role of MODEL_ROLES) {
    const evaluation = summary.models[role];
    if (evaluation !== undefined) {
      const label = role === 'teacher' && ensemble !== undefined ? ensembleLabel(ensemble.combine, ensemble.members.length, l10n) : roleLabel(role, l10n);
      models.push({ kind: 'model', role, label, evaluation });
    }
    if (role === 'teacher' && ensemble !== undefined) {
      for (const member of ensemble.members) {
        models.push({ kind: 'member', role, member: member.member, label: modelLabel(role, member.member ?? '?', l10n), evaluation: member });
      }
    }
    if (role === 'distilled' && summary.biasAdjustment !== undefined) {
      models.push({ kind: 'adjusted', role, label: l10n.t('Distilled student, bias-adjusted'), evaluation: summary.biasAdjustment.evaluation });
    }
  }
  return models;
}

/** Describes a model item: "98.23% · 177 errors". */
export function modelDescription(evaluation: ModelEvaluation, l10n: Localizer): string {
  return l10n.t('{0} · {1} errors', formatPercent(evaluation.accuracy, l10n), formatCount(evaluation.errors, l10n));
}

/**
 * Lists the key config values of a run in short lines, for tooltips and reports: temperature and loss
 * weights, the models and their epochs, the transfer set, the data and the backend.
 */
export function configHighlights(config: DistillConfig, backend: string | undefined, l10n: Localizer): string[] {
  const distillation = config.distillation;
  const lines: string[] = [];

  const squared = distillation.scaleByTemperatureSquared ? l10n.t(', soft term × T²') : '';
  lines.push(
    l10n.t(
      'T = {0}, soft weight {1}, hard weight {2}, {3}{4}',
      formatNumber(distillation.temperature, l10n),
      formatNumber(distillation.softWeight, l10n),
      formatNumber(distillation.hardWeight, l10n),
      lossLabel(distillation.loss, l10n),
      squared,
    ),
  );

  const teacher = config.teacher;
  if (teacher.kind === 'load') {
    lines.push(l10n.t('Teacher: loaded from {0}', teacher.load));
  } else if (teacher.kind === 'ensemble') {
    lines.push(l10n.t('Teacher: ensemble of {0} members', teacher.members.length));
  } else {
    lines.push(l10n.t('Teacher: {0}, {1} epochs', describeModelSpec(teacher.model, l10n), teacher.train.epochs));
  }
  lines.push(l10n.t('Students: {0}, {1} epochs', describeModelSpec(config.student.model, l10n), config.student.train.epochs));

  const transfer = config.transfer;
  const examples = transfer.examples === undefined ? l10n.t('all training examples') : l10n.t('{0} examples', formatCount(transfer.examples, l10n));
  const omitted = transfer.omitClasses.length === 0 ? '' : l10n.t(', without classes {0}', transfer.omitClasses.join(', '));
  const labels = transfer.labels ? '' : l10n.t(', soft targets only');
  lines.push(l10n.t('Transfer set: {0}{1}{2}', examples, omitted, labels));

  lines.push(l10n.t('Data: {0}, seed {1}', dataLabel(config, l10n), config.seed));
  lines.push(l10n.t('Backend: {0} (config: {1})', backend ?? l10n.t('not chosen yet'), config.backend));
  if (!config.baseline) {
    lines.push(l10n.t('No baseline student'));
  }
  return lines;
}

function dataLabel(config: DistillConfig, l10n: Localizer): string {
  switch (config.data.source) {
    case 'mnist':
      return l10n.t('built-in MNIST');
    case 'idx':
      return l10n.t('IDX files');
    case 'csv':
      return l10n.t('CSV files');
  }
}

/** Renders the Markdown tooltip of a run item: id, status, config highlights and test results. */
export function runTooltip(record: RunRecord, config: DistillConfig | undefined, l10n: Localizer): string {
  const lines: string[] = [];
  lines.push(`**${escapeMarkdown(record.name)}** · \`${record.runId}\``, '');
  lines.push(l10n.t('Status: {0}', statusLabel(record.status, l10n)), '');
  const error = localizeRunError(record.error, record.errorReason, l10n);
  if (error !== undefined) {
    lines.push(`> ${escapeMarkdown(firstLine(error))}`, '');
  }
  if (config !== undefined) {
    for (const line of configHighlights(config, record.summary?.backend, l10n)) {
      lines.push(`- ${escapeMarkdown(line)}`);
    }
    lines.push('');
  }

  const evaluated = evaluatedModels(record.summary, l10n);
  if (evaluated.length > 0) {
    lines.push(`| ${l10n.t('Model')} | ${l10n.t('Test accuracy')} | ${l10n.t('Test errors')} |`, '|---|---:|---:|');
    for (const { label, evaluation } of evaluated) {
      lines.push(`| ${escapeTableCell(label)} | ${formatPercent(evaluation.accuracy, l10n)} | ${formatCount(evaluation.errors, l10n)} |`);
    }
  }
  return lines.join('\n').trimEnd();
}

/** Returns the CodeLens title for a config's latest run: "Last run 20261204-2100…: distilled 74 vs baseline 146 errors". */
export function latestRunLensTitle(record: RunRecord, l10n: Localizer): string {
  const distilled = record.summary?.models.distilled;
  const baseline = record.summary?.models.baseline;
  if (record.status === 'completed' && distilled !== undefined && baseline !== undefined) {
    return l10n.t(
      'Last run {0}: distilled {1} vs baseline {2} errors',
      record.runId,
      formatCount(distilled.errors, l10n),
      formatCount(baseline.errors, l10n),
    );
  }
  if (record.status === 'completed' && distilled !== undefined) {
    return l10n.t('Last run {0}: distilled {1} errors', record.runId, formatCount(distilled.errors, l10n));
  }
  return l10n.t('Last run {0}: {1}', record.runId, statusLabel(record.status, l10n));
}
