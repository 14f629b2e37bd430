// Accuracy tab: teacher, distilled student and baseline side by side, and beside them the ensemble's
// members and the bias-adjusted student when the run has them. Below the table: the share of the
// teacher–baseline gap that distillation recovered, the bias adjustment's effect, and per-class
// accuracy as grouped bars.

import type { BiasAdjustmentResult, ModelEvaluation } from '../../protocol/messages';
import { t } from '../l10n';
import { ensembleGain, evaluationColumns, omittedClassRows, teacherLabel, type EvaluationColumn } from '../model/evaluations';
import { formatCount, formatDuration, formatFixed, formatNumber, formatPercent } from '../model/format';
import { gapExplanation } from '../model/gap';
import { compressionRatio, gapRecovered } from '../model/maths';
import type { ResultsChange, ResultsState } from '../model/results';
import { renderGroupedBars } from './bars';
import { dataTable, h, note, replaceContent, setTableColumns } from './dom';
import { roleColors } from './roleColors';

interface MetricRow {
  key: string;
  label: string;
  value: (evaluation: ModelEvaluation, column: EvaluationColumn) => string;
}

/** Colour of the bias-adjusted student, apart from the three roles' colours. */
const adjustedColor = 'var(--vscode-charts-purple)';

function columnColor(column: EvaluationColumn): string {
  return column.kind === 'adjusted' ? adjustedColor : roleColors[column.role];
}

function trainingTimeText(evaluation: ModelEvaluation, column: EvaluationColumn): string {
  if (column.kind === 'adjusted') {
    // The adjusted student is the distilled one with shifted biases; the bias search is not timed.
    return t('as distilled');
  }
  return evaluation.trainingSeconds > 0 ? formatDuration(evaluation.trainingSeconds) : t('n/a (loaded)');
}

/** Returns "n/a" for a ratio that does not exist and "2.6×" otherwise. */
function ratioText(ratio: number | null): string {
  return ratio === null ? t('n/a') : `${formatNumber(ratio, 3)}×`;
}

export class AccuracyTab {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('div', { class: 'tab-content accuracy-tab' }, note(t('No model has been evaluated yet.')));
  }

  update(state: ResultsState, changes: ReadonlySet<ResultsChange>): void {
    if (changes.has('evaluations') || changes.has('run')) {
      this.render(state);
    }
  }

  private render(state: ResultsState): void {
    const columns = evaluationColumns(state);
    if (columns.length === 0) {
      this.element.replaceChildren(note(state.status === 'running' || state.status === 'queued' ? t('No model has been evaluated yet: each model is evaluated on the test split after its training.') : t('This run has no evaluated model.')));
      return;
    }

    const { teacher, distilled, baseline } = state.evaluations;
    const studentParameters = (distilled ?? baseline)?.parameters;
    const rows: MetricRow[] = [
      { key: 'accuracy', label: t('Test accuracy'), value: (evaluation) => formatPercent(evaluation.accuracy) },
      { key: 'errors', label: t('Test errors'), value: (evaluation) => t('{0} of {1}', formatCount(evaluation.errors), formatCount(evaluation.examples)) },
      { key: 'parameters', label: t('Parameters'), value: (evaluation) => formatCount(evaluation.parameters) },
      {
        key: 'compression',
        label: t('Compression (teacher / model parameters)'),
        value: (evaluation, column) => (column.key === 'teacher' ? '1×' : ratioText(compressionRatio(teacher?.parameters, evaluation.parameters))),
      },
      { key: 'training', label: t('Training time'), value: trainingTimeText },
      { key: 'inference', label: t('Inference time per example'), value: (evaluation) => `${formatFixed(evaluation.inferenceMsPerExample * 1000, 1)} µs` },
    ];

    const header = h(
      'vscode-table-header',
      { slot: 'header' },
      h('vscode-table-header-cell', {}, t('Metric')),
      ...columns.map((column) => h('vscode-table-header-cell', { 'data-testid': `column-${column.key}` }, column.label)),
    );
    const body = h(
      'vscode-table-body',
      { slot: 'body' },
      ...rows.map((row) =>
        h(
          'vscode-table-row',
          {},
          h('vscode-table-cell', {}, row.label),
          ...columns.map((column) => h('vscode-table-cell', { 'data-testid': `metric-${row.key}-${column.key}` }, row.value(column.evaluation, column))),
        ),
      ),
    );
    const manyModels = columns.length > 4;
    const table = h(
      'vscode-table',
      { 'aria-label': t('Test metrics of each model'), class: manyModels ? 'many-models' : undefined, zebra: true, 'bordered-rows': true, 'data-testid': 'accuracy-table' },
      header,
      body,
    );
    // The metric names need less room when many models share the table.
    const metricShare = manyModels ? 22 : 40;
    setTableColumns(table, [`${metricShare}%`, ...columns.map(() => `${((100 - metricShare) / columns.length).toFixed(2)}%`)]);

    // Members would crowd the per-class chart, so it shows the ensemble only.
    const barColumns = columns.filter((column) => column.kind !== 'member');
    replaceContent(
      this.element,
      h('h3', {}, t('Side by side')),
      table,
      ensembleParagraph(state),
      this.gapParagraph(teacher, distilled, baseline),
      studentParameters !== undefined && teacher !== undefined
        ? note(t('The students have {0} parameters, {1} fewer than the teacher.', formatCount(studentParameters), ratioText(compressionRatio(teacher.parameters, studentParameters))))
        : undefined,
      state.biasAdjustment === undefined ? undefined : biasSection(state.biasAdjustment),
      renderGroupedBars({
        id: 'per-class-bars',
        title: t('Per-class test accuracy'),
        labels: barColumns[0].evaluation.perClassAccuracy.map((_, index) => String(index)),
        groups: barColumns.map((column) => ({ key: column.key, label: column.label, color: columnColor(column), values: column.evaluation.perClassAccuracy })),
        ...perClassAxis(barColumns.map((column) => column.evaluation)),
        formatValue: (value) => formatPercent(value, 1),
        columnHeading: t('Class'),
      }),
    );
  }

  private gapParagraph(teacher?: ModelEvaluation, distilled?: ModelEvaluation, baseline?: ModelEvaluation): HTMLElement {
    if (teacher === undefined || distilled === undefined || baseline === undefined) {
      return h('p', { class: 'gap', 'data-testid': 'gap-recovered' }, t('Gap recovered: n/a until the teacher, the distilled student and the baseline are all evaluated.'));
    }
    const share = gapRecovered(teacher.errors, distilled.errors, baseline.errors);
    const headline = share === null ? t('Gap recovered: n/a.') : t('Gap recovered: {0}.', formatPercent(share, 1));
    return h(
      'p',
      { class: 'gap', 'data-testid': 'gap-recovered' },
      h('strong', share === null ? {} : { 'data-testid': 'gap-value' }, `${headline} `),
      gapExplanation(teacher.errors, distilled.errors, baseline.errors),
    );
  }
}

/** Axis bounds for per-class accuracy: from a round value under the lowest accuracy up to 100 %. */
function perClassAxis(evaluations: readonly ModelEvaluation[]): { axisMin: number; axisMax: number } {
  const values = evaluations.flatMap((evaluation) => evaluation.perClassAccuracy).filter((value): value is number => value !== null);
  const lowest = values.length === 0 ? 0 : Math.min(...values);
  return { axisMin: Math.max(0, Math.floor((lowest - 0.01) * 20) / 20), axisMax: 1 };
}

/** States whether the ensemble beat each of its members; nothing for a run without an ensemble. */
function ensembleParagraph(state: ResultsState): HTMLElement | undefined {
  const gain = ensembleGain(state.evaluations.teacher, state.memberEvaluations);
  if (gain === undefined) {
    return undefined;
  }
  const label = teacherLabel(state);
  const errors = formatCount(gain.ensembleErrors);
  const bestErrors = formatCount(gain.bestMemberErrors);
  let text: string;
  if (gain.membersBetter.length === 0) {
    const fewer = formatCount(gain.bestMemberErrors - gain.ensembleErrors);
    text = t('{0}: {1} test errors, {2} fewer than its best member ({3}, {4}).', label, errors, fewer, gain.bestMember, bestErrors);
  } else if (gain.membersBetter.length === 1) {
    text = t('{0}: {1} test errors, more than member {2} (best: {3}, {4}).', label, errors, gain.membersBetter[0], gain.bestMember, bestErrors);
  } else {
    text = t('{0}: {1} test errors, more than members {2} (best: {3}, {4}).', label, errors, gain.membersBetter.join(', '), gain.bestMember, bestErrors);
  }
  return h('p', { class: 'ensemble-gain', 'data-testid': 'ensemble-gain' }, text);
}

/** Formats a bias offset with its sign, such as "+3.5". */
function offsetText(offset: number): string {
  return offset > 0 ? `+${formatNumber(offset, 4)}` : formatNumber(offset, 4);
}

/** Renders the omitted classes, the offsets found, and the test and validation errors before and after. */
function biasSection(result: BiasAdjustmentResult): HTMLElement {
  const rows = omittedClassRows(result).map((row) => [
    String(row.label),
    offsetText(row.offset),
    t('{0} → {1} of {2}', formatCount(row.errorsBefore), formatCount(row.errorsAfter), formatCount(row.examples)),
  ]);
  const examples = result.evaluation.examples;
  return h(
    'section',
    { class: 'bias-adjustment', 'aria-labelledby': 'bias-adjustment-title', 'data-testid': 'bias-adjustment' },
    h('h3', { id: 'bias-adjustment-title' }, t('Bias adjustment of the omitted classes')),
    note(t('The transfer set left these classes out, so the distilled student seldom predicts them. The search added an offset to each one’s output bias and kept the offset with the fewest validation errors.')),
    h(
      'p',
      { 'data-testid': 'bias-test-errors' },
      h('strong', {}, `${t('Test errors:')} `),
      `${t('{0} → {1} of {2}.', formatCount(result.testErrorsBefore), formatCount(result.testErrorsAfter), formatCount(examples))} `,
      h('strong', {}, `${t('Validation errors:')} `),
      t('{0} → {1}.', formatCount(result.validationErrorsBefore), formatCount(result.validationErrorsAfter)),
    ),
    dataTable(
      t('Omitted classes, their bias offsets and their test errors'),
      [t('Omitted class'), t('Bias offset'), t('Test errors on the class, before → after')],
      rows,
      'bias-classes',
    ),
  );
}
