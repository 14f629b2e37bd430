// Markdown reports of runs. One run's report has the teacher / distilled / baseline table, config
// highlights and per-class accuracy, and adds ensemble members and the bias adjustment when the
// run has them. The comparison sets several runs side by side. No `vscode` import, because
// resultsDocument.ts shows the reports in VS Code's Markdown preview.

import type { DistillConfig, ModelRole } from '../../config/types';
import type { BiasAdjustmentResult, RunSummary } from '../../protocol/messages';
import type { RunRecord } from '../runs/runIndex';
import { localizeRunError } from '../runs/hostErrors';
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
import { configHighlights, evaluatedModels, lossLabel, statusLabel, type EvaluatedModel } from './runLabels';

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

function trainingTime(model: EvaluatedModel, config: DistillConfig | undefined, l10n: Localizer): string {
  if (model.kind === 'model' && model.role === 'teacher' && config?.teacher.kind === 'load') {
    return l10n.t('loaded');
  }
  if (model.kind === 'member' && config?.teacher.kind === 'ensemble') {
    const member = config.teacher.members.find((candidate) => candidate.name === model.member);
    if (member?.kind === 'load') {
      return l10n.t('loaded');
    }
  }
  if (model.kind === 'adjusted') {
    // The bias search reuses the distilled student and is not timed.
    return l10n.t('as the distilled student');
  }
  return formatDuration(model.evaluation.trainingSeconds, l10n);
}

function resultsTable(summary: RunSummary, config: DistillConfig | undefined, l10n: Localizer): string[] {
  const models = evaluatedModels(summary, l10n);
  if (models.length === 0) {
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
  for (const model of models) {
    const { evaluation } = model;
    lines.push(
      tableRow([
        escapeTableCell(model.label),
        formatPercent(evaluation.accuracy, l10n),
        l10n.t('{0} of {1}', formatCount(evaluation.errors, l10n), formatCount(evaluation.examples, l10n)),
        formatCount(evaluation.parameters, l10n),
        trainingTime(model, config, l10n),
        formatNumber(evaluation.inferenceMsPerExample, l10n, 4),
      ]),
    );
  }
  return lines;
}

/** States whether the ensemble teacher beat each of its members; nothing without an ensemble. */
function ensembleEffect(summary: RunSummary, l10n: Localizer): string[] {
  const teacher = summary.models.teacher;
  const members = summary.ensemble?.members ?? [];
  if (teacher === undefined || members.length === 0) {
    return [];
  }
  const best = members.reduce((lowest, member) => (member.errors < lowest.errors ? member : lowest));
  const bestName = best.member ?? '?';
  if (teacher.errors <= best.errors) {
    return [
      l10n.t(
        'The ensemble made {0} test errors, {1} fewer than its best member ({2}, {3}).',
        formatCount(teacher.errors, l10n),
        formatCount(best.errors - teacher.errors, l10n),
        bestName,
        formatCount(best.errors, l10n),
      ),
    ];
  }
  return [l10n.t('The ensemble made {0} test errors, more than its best member ({1}, {2}).', formatCount(teacher.errors, l10n), bestName, formatCount(best.errors, l10n))];
}

/** Formats a bias offset with its sign: "+3.5". */
function offsetText(offset: number | undefined, l10n: Localizer): string {
  if (offset === undefined) {
    return '–';
  }
  const text = formatNumber(offset, l10n);
  return offset > 0 ? `+${text}` : text;
}

function countOrDash(value: number | undefined, l10n: Localizer): string {
  return value === undefined ? '–' : formatCount(value, l10n);
}

/** Renders the bias adjustment: the errors before and after, and a row per omitted class. */
function biasAdjustmentSection(result: BiasAdjustmentResult, l10n: Localizer): string[] {
  const lines = [
    l10n.t(
      'An offset on the output bias of each omitted class, chosen for the fewest validation errors, took the distilled student from {0} to {1} test errors of {2} (validation errors: {3} to {4}).',
      formatCount(result.testErrorsBefore, l10n),
      formatCount(result.testErrorsAfter, l10n),
      formatCount(result.evaluation.examples, l10n),
      formatCount(result.validationErrorsBefore, l10n),
      formatCount(result.validationErrorsAfter, l10n),
    ),
    '',
    tableRow([l10n.t('Omitted class'), l10n.t('Bias offset'), l10n.t('Test errors on the class, before → after')]),
    tableRow(['---:', '---:', '---:']),
  ];
  result.classes.forEach((label, index) => {
    const before = countOrDash(result.classTestErrorsBefore[index], l10n);
    const after = countOrDash(result.classTestErrorsAfter[index], l10n);
    const examples = countOrDash(result.classTestExamples[index], l10n);
    lines.push(tableRow([String(label), offsetText(result.offsets[index], l10n), l10n.t('{0} → {1} of {2}', before, after, examples)]));
  });
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
    difference > 0
      ? l10n.t('Distillation at T = {0}: {1} fewer test errors than the baseline student.', temperature, formatCount(difference, l10n))
      : difference < 0
        ? l10n.t('Distillation at T = {0}: {1} more test errors than the baseline student.', temperature, formatCount(-difference, l10n))
        : l10n.t('Distillation at T = {0}: as many test errors as the baseline student ({1}).', temperature, formatCount(baseline.errors, l10n)),
  ];
  const closed = gapClosed(summary);
  const teacher = summary.models.teacher;
  // Only a teacher better than the baseline leaves a gap to close (gapClosed is then defined).
  if (closed !== undefined && teacher !== undefined) {
    if (distilled.errors < teacher.errors) {
      sentences.push(
        l10n.t(
          'The distilled student made {0} fewer test errors than the teacher, so it closed all of the teacher–baseline gap and more ({1}).',
          formatCount(teacher.errors - distilled.errors, l10n),
          formatPercent(closed, l10n, 0),
        ),
      );
    } else if (distilled.errors === teacher.errors) {
      sentences.push(l10n.t('The distilled student made as many test errors as the teacher, so it closed all of the teacher–baseline gap.'));
    } else if (closed <= 0) {
      sentences.push(l10n.t('It closed none of the teacher–baseline gap.'));
    } else {
      sentences.push(l10n.t('It closed {0} of the teacher–baseline gap.', formatPercent(closed, l10n, 0)));
    }
  }
  return [sentences.join(' ')];
}

function perClassTable(summary: RunSummary, l10n: Localizer): string[] {
  // A column per ensemble member would make the table too wide to read, so the ensemble's column stands for them.
  const models = evaluatedModels(summary, l10n).filter((model) => model.kind !== 'member');
  const classes = Math.max(0, ...models.map((model) => model.evaluation.perClassAccuracy.length));
  if (classes === 0) {
    return [];
  }

  const lines = [
    tableRow([l10n.t('Class'), ...models.map((model) => escapeTableCell(model.label))]),
    tableRow(['---:', ...models.map(() => '---:')]),
  ];
  for (let label = 0; label < classes; label++) {
    const cells = models.map((model) => {
      const accuracy = model.evaluation.perClassAccuracy[label];
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

  const error = localizeRunError(record.error, record.errorReason, l10n);
  if (error !== undefined) {
    lines.push(`> **${l10n.t('Error')}:** ${escapeMarkdown(error).replace(/\r?\n/g, '\n> ')}`, '');
  }

  lines.push(`## ${l10n.t('Results')}`, '');
  if (summary === undefined) {
    lines.push(l10n.t('No results: summary.json is missing or unreadable.'), '');
  } else {
    lines.push(...resultsTable(summary, config, l10n), '');
    const ensemble = ensembleEffect(summary, l10n);
    if (ensemble.length > 0) {
      lines.push(...ensemble, '');
    }
    const effect = distillationEffect(summary, l10n);
    if (effect.length > 0) {
      lines.push(...effect, '');
    }
    if (summary.biasAdjustment !== undefined) {
      lines.push(`## ${l10n.t('Bias adjustment')}`, '', ...biasAdjustmentSection(summary.biasAdjustment, l10n), '');
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

/** Returns "a 252 · b 263 · c 246", the test errors of each ensemble member, or a dash. */
function membersCell(summary: RunSummary | undefined, l10n: Localizer): string {
  const members = summary?.ensemble?.members ?? [];
  if (members.length === 0) {
    return '–';
  }
  return escapeTableCell(members.map((member) => `${member.member ?? '?'} ${formatCount(member.errors, l10n)}`).join(' · '));
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
  if (runs.some(({ record }) => record.summary?.ensemble !== undefined)) {
    row(l10n.t('Ensemble members: test errors'), ({ record }) => membersCell(record.summary, l10n));
  }
  if (runs.some(({ record }) => record.summary?.biasAdjustment !== undefined)) {
    row(l10n.t('{0}: test errors', l10n.t('Distilled student, bias-adjusted')), ({ record }) => {
      const evaluation = record.summary?.biasAdjustment?.evaluation;
      return evaluation === undefined ? '–' : formatCount(evaluation.errors, l10n);
    });
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
