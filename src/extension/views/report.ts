// Markdown reports of runs: one run's results (teacher / distilled / baseline table, config
// highlights, per-class accuracy) and a side-by-side comparison of several runs. No `vscode`
// import; resultsDocument.ts shows them in VS Code's Markdown preview.

import type { DistillConfig, ModelRole } from '../../config/types';
import type { ModelEvaluation, RunSummary } from '../../protocol/messages';
import type { RunRecord } from '../runs/runIndex';
import {
  describeModelSpec,
  escapeMarkdown,
  escapeTableCell,
  formatCount,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatPercent,
  MODEL_ROLES,
  roleLabel,
  type Localizer,
} from '../format';
import { configHighlights, lossLabel, statusLabel } from './runLabels';

/** A run as the reports read it: its record and, when config.json could be read, its resolved config. */
export interface ReportedRun {
  record: RunRecord;
  config?: DistillConfig;
}

/**
 * Share of the teacher–baseline gap in test errors that distillation closed:
 * (baseline − distilled) / (baseline − teacher). Undefined unless the teacher beats the baseline.
 */
export function gapClosed(summary: RunSummary | undefined): number | undefined {
  const teacher = summary?.models.teacher;
  const distilled = summary?.models.distilled;
  const baseline = summary?.models.baseline;
  if (teacher === undefined || distilled === undefined || baseline === undefined) {
    return undefined;
  }
  const gap = baseline.errors - teacher.errors;
  return gap > 0 ? (baseline.errors - distilled.errors) / gap : undefined;
}

function tableRow(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function trainingTime(role: ModelRole, evaluation: ModelEvaluation, config: DistillConfig | undefined, l10n: Localizer): string {
  if (role === 'teacher' && config?.teacher.kind === 'load') {
    return l10n.t('loaded');
  }
  return formatDuration(evaluation.trainingSeconds, l10n);
}

function resultsTable(summary: RunSummary, config: DistillConfig | undefined, l10n: Localizer): string[] {
  const roles = MODEL_ROLES.filter((role) => summary.models[role] !== undefined);
  if (roles.length === 0) {
    return [l10n.t('No model has been evaluated yet.')];
  }

  const lines = [
    tableRow([
      l10n.t('Model'),
      l10n.t('Test accuracy'),
      l10n.t('Test errors'),
      l10n.t('Parameters'),
      l10n.t('Training time'),
      l10n.t('Inference (ms per example)'),
    ]),
    tableRow(['---', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const role of roles) {
    const evaluation = summary.models[role] as ModelEvaluation;
    lines.push(
      tableRow([
        roleLabel(role, l10n),
        formatPercent(evaluation.accuracy, l10n),
        l10n.t('{0} of {1}', formatCount(evaluation.errors, l10n), formatCount(evaluation.examples, l10n)),
        formatCount(evaluation.parameters, l10n),
        trainingTime(role, evaluation, config, l10n),
        formatNumber(evaluation.inferenceMsPerExample, l10n, 4),
      ]),
    );
  }
  return lines;
}

/** Describes in one or two sentences what distillation changed; nothing before both students are evaluated. */
function distillationEffect(summary: RunSummary, l10n: Localizer): string[] {
  const distilled = summary.models.distilled;
  const baseline = summary.models.baseline;
  if (distilled === undefined || baseline === undefined) {
    return [];
  }

  const difference = baseline.errors - distilled.errors;
  const temperature = formatNumber(summary.temperature, l10n);
  const sentences = [
    difference >= 0
      ? l10n.t('Distillation at T = {0}: {1} fewer test errors than the baseline student.', temperature, formatCount(difference, l10n))
      : l10n.t('Distillation at T = {0}: {1} more test errors than the baseline student.', temperature, formatCount(-difference, l10n)),
  ];
  const closed = gapClosed(summary);
  if (closed !== undefined) {
    sentences.push(l10n.t('It closed {0} of the teacher–baseline gap.', formatPercent(closed, l10n, 0)));
  }
  return [sentences.join(' ')];
}

function perClassTable(summary: RunSummary, l10n: Localizer): string[] {
  const roles = MODEL_ROLES.filter((role) => summary.models[role] !== undefined);
  const classes = Math.max(0, ...roles.map((role) => (summary.models[role] as ModelEvaluation).perClassAccuracy.length));
  if (classes === 0) {
    return [];
  }

  const lines = [
    tableRow([l10n.t('Class'), ...roles.map((role) => roleLabel(role, l10n))]),
    tableRow(['---:', ...roles.map(() => '---:')]),
  ];
  for (let label = 0; label < classes; label++) {
    const cells = roles.map((role) => {
      const accuracy = (summary.models[role] as ModelEvaluation).perClassAccuracy[label];
      // null: the test split has no example of this class.
      return accuracy === null || accuracy === undefined ? '–' : formatPercent(accuracy, l10n);
    });
    lines.push(tableRow([String(label), ...cells]));
  }
  return lines;
}

/** Renders the Markdown report of one run. */
export function renderRunReport(run: ReportedRun, l10n: Localizer): string {
  const { record, config } = run;
  const summary = record.summary;
  const lines: string[] = [];

  lines.push(`# ${escapeMarkdown(record.name)}`, '');
  lines.push(`- ${l10n.t('Run')}: \`${record.runId}\``);
  lines.push(`- ${l10n.t('Status')}: ${statusLabel(record.status, l10n)}`);
  if (record.startedAt !== undefined) {
    lines.push(`- ${l10n.t('Started')}: ${formatDateTime(record.startedAt, l10n)}`);
  }
  if (record.finishedAt !== undefined) {
    lines.push(`- ${l10n.t('Finished')}: ${formatDateTime(record.finishedAt, l10n)}`);
  }
  if (summary?.backend !== undefined) {
    lines.push(`- ${l10n.t('Backend')}: ${summary.backend}`);
  }
  if (record.configPath !== undefined) {
    lines.push(`- ${l10n.t('Config file')}: \`${record.configPath}\``);
  }
  lines.push(`- ${l10n.t('Run folder')}: \`${record.runDir}\``, '');

  if (record.error !== undefined) {
    lines.push(`> **${l10n.t('Error')}:** ${escapeMarkdown(record.error).replace(/\r?\n/g, '\n> ')}`, '');
  }

  lines.push(`## ${l10n.t('Results')}`, '');
  if (summary === undefined) {
    lines.push(l10n.t('No results: summary.json is missing or unreadable.'), '');
  } else {
    lines.push(...resultsTable(summary, config, l10n), '');
    const effect = distillationEffect(summary, l10n);
    if (effect.length > 0) {
      lines.push(...effect, '');
    }
  }

  if (config !== undefined) {
    lines.push(`## ${l10n.t('Configuration')}`, '');
    for (const highlight of configHighlights(config, summary?.backend, l10n)) {
      lines.push(`- ${escapeMarkdown(highlight)}`);
    }
    lines.push('');
  }

  const perClass = summary === undefined ? [] : perClassTable(summary, l10n);
  if (perClass.length > 0) {
    lines.push(`## ${l10n.t('Per-class test accuracy')}`, '', ...perClass, '');
  }
  return lines.join('\n');
}

function errorsCell(summary: RunSummary | undefined, role: ModelRole, l10n: Localizer): string {
  const evaluation = summary?.models[role];
  return evaluation === undefined ? '–' : formatCount(evaluation.errors, l10n);
}

function accuracyCell(summary: RunSummary | undefined, role: ModelRole, l10n: Localizer): string {
  const evaluation = summary?.models[role];
  return evaluation === undefined ? '–' : formatPercent(evaluation.accuracy, l10n);
}

/** Renders a Markdown table of several runs side by side, one column per run, in the given order. */
export function renderComparison(runs: ReportedRun[], l10n: Localizer): string {
  const lines: string[] = [`# ${l10n.t('Comparison of {0} runs', runs.length)}`, ''];
  const header = tableRow(['', ...runs.map(({ record }) => `${escapeTableCell(record.name)}<br>\`${record.runId}\``)]);
  lines.push(header, tableRow(['---', ...runs.map(() => '---:')]));

  const row = (label: string, cell: (run: ReportedRun) => string): void => {
    lines.push(tableRow([label, ...runs.map(cell)]));
  };
  const configCell = (run: ReportedRun, value: (config: DistillConfig) => string): string =>
    run.config === undefined ? '–' : escapeTableCell(value(run.config));

  row(l10n.t('Status'), ({ record }) => statusLabel(record.status, l10n));
  row(l10n.t('Started'), ({ record }) => (record.startedAt === undefined ? '–' : escapeTableCell(formatDateTime(record.startedAt, l10n))));
  row(l10n.t('Backend'), ({ record }) => record.summary?.backend ?? '–');
  row(l10n.t('Temperature T'), (run) => configCell(run, (config) => formatNumber(config.distillation.temperature, l10n)));
  row(l10n.t('Soft / hard weight'), (run) =>
    configCell(run, (config) => `${formatNumber(config.distillation.softWeight, l10n)} / ${formatNumber(config.distillation.hardWeight, l10n)}`),
  );
  row(l10n.t('Loss'), (run) => configCell(run, (config) => lossLabel(config.distillation.loss, l10n)));
  row(l10n.t('Teacher'), (run) =>
    configCell(run, (config) =>
      config.teacher.kind === 'load'
        ? l10n.t('loaded from {0}', config.teacher.load)
        : config.teacher.kind === 'ensemble'
          ? l10n.t('ensemble of {0} members', config.teacher.members.length)
          : l10n.t('{0}, {1} epochs', describeModelSpec(config.teacher.model, l10n), config.teacher.train.epochs),
    ),
  );
  row(l10n.t('Students'), (run) =>
    configCell(run, (config) => l10n.t('{0}, {1} epochs', describeModelSpec(config.student.model, l10n), config.student.train.epochs)),
  );
  row(l10n.t('Transfer set'), (run) =>
    configCell(run, (config) =>
      config.transfer.examples === undefined ? l10n.t('all training examples') : formatCount(config.transfer.examples, l10n),
    ),
  );
  for (const role of MODEL_ROLES) {
    row(l10n.t('{0}: test errors', roleLabel(role, l10n)), ({ record }) => errorsCell(record.summary, role, l10n));
  }
  for (const role of MODEL_ROLES) {
    row(l10n.t('{0}: test accuracy', roleLabel(role, l10n)), ({ record }) => accuracyCell(record.summary, role, l10n));
  }
  row(l10n.t('Teacher–baseline gap closed'), ({ record }) => {
    const closed = gapClosed(record.summary);
    return closed === undefined ? '–' : formatPercent(closed, l10n, 0);
  });
  lines.push('');
  return lines.join('\n');
}
