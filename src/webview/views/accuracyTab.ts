// Accuracy tab: teacher, distilled student and baseline side by side, the share of the
// teacher–baseline gap that distillation recovered, and per-class accuracy as grouped bars.

import type { ModelRole } from '../../config/types';
import type { ModelEvaluation } from '../../protocol/messages';
import { roleLabel } from '../model/curves';
import { formatCount, formatDuration, formatFixed, formatNumber, formatPercent } from '../model/format';
import { compressionRatio, gapRecovered } from '../model/maths';
import type { ResultsChange, ResultsState } from '../model/results';
import { modelRoles } from '../model/softened';
import { renderGroupedBars } from './bars';
import { h, note, replaceContent, setTableColumns } from './dom';
import { roleColors } from './roleColors';

interface MetricRow {
  key: string;
  label: string;
  value: (evaluation: ModelEvaluation, role: ModelRole) => string;
}

/** Returns "n/a" for a ratio that does not exist and "2.6×" otherwise. */
function ratioText(ratio: number | null): string {
  return ratio === null ? 'n/a' : `${formatNumber(ratio, 3)}×`;
}

export class AccuracyTab {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('div', { class: 'tab-content accuracy-tab' }, note('No model has been evaluated yet.'));
  }

  update(state: ResultsState, changes: ReadonlySet<ResultsChange>): void {
    if (changes.has('evaluations') || changes.has('run')) {
      this.render(state);
    }
  }

  private render(state: ResultsState): void {
    const roles = modelRoles.filter((role) => state.evaluations[role] !== undefined);
    if (roles.length === 0) {
      this.element.replaceChildren(note(state.status === 'running' || state.status === 'queued' ? 'No model has been evaluated yet: each model is evaluated on the test split after its training.' : 'This run has no evaluated model.'));
      return;
    }

    const { teacher, distilled, baseline } = state.evaluations;
    const studentParameters = (distilled ?? baseline)?.parameters;
    const rows: MetricRow[] = [
      { key: 'accuracy', label: 'Test accuracy', value: (evaluation) => formatPercent(evaluation.accuracy) },
      { key: 'errors', label: 'Test errors', value: (evaluation) => `${formatCount(evaluation.errors)} of ${formatCount(evaluation.examples)}` },
      { key: 'parameters', label: 'Parameters', value: (evaluation) => formatCount(evaluation.parameters) },
      {
        key: 'compression',
        label: 'Compression (teacher / model parameters)',
        value: (evaluation, role) => (role === 'teacher' ? '1×' : ratioText(compressionRatio(teacher?.parameters, evaluation.parameters))),
      },
      { key: 'training', label: 'Training time', value: (evaluation) => (evaluation.trainingSeconds > 0 ? formatDuration(evaluation.trainingSeconds) : 'n/a (loaded)') },
      { key: 'inference', label: 'Inference time per example', value: (evaluation) => `${formatFixed(evaluation.inferenceMsPerExample * 1000, 1)} µs` },
    ];

    const header = h('vscode-table-header', { slot: 'header' }, h('vscode-table-header-cell', {}, 'Metric'), ...roles.map((role) => h('vscode-table-header-cell', {}, roleLabel(role))));
    const body = h(
      'vscode-table-body',
      { slot: 'body' },
      ...rows.map((row) =>
        h(
          'vscode-table-row',
          {},
          h('vscode-table-cell', {}, row.label),
          ...roles.map((role) => h('vscode-table-cell', { 'data-testid': `metric-${row.key}-${role}` }, row.value(state.evaluations[role] as ModelEvaluation, role))),
        ),
      ),
    );
    const table = h('vscode-table', { 'aria-label': 'Test metrics of each model', zebra: true, 'bordered-rows': true, 'data-testid': 'accuracy-table' }, header, body);
    const metricShare = 40;
    setTableColumns(table, [`${metricShare}%`, ...roles.map(() => `${((100 - metricShare) / roles.length).toFixed(2)}%`)]);

    replaceContent(
      this.element,
      h('h3', {}, 'Side by side'),
      table,
      this.gapParagraph(teacher, distilled, baseline),
      studentParameters !== undefined && teacher !== undefined
        ? note(`The students have ${formatCount(studentParameters)} parameters, ${ratioText(compressionRatio(teacher.parameters, studentParameters))} fewer than the teacher.`)
        : undefined,
      renderGroupedBars({
        id: 'per-class-bars',
        title: 'Per-class test accuracy',
        labels: (state.evaluations[roles[0]] as ModelEvaluation).perClassAccuracy.map((_, index) => String(index)),
        groups: roles.map((role) => ({ key: role, label: roleLabel(role), color: roleColors[role], values: (state.evaluations[role] as ModelEvaluation).perClassAccuracy })),
        ...perClassAxis(roles.map((role) => state.evaluations[role] as ModelEvaluation)),
        formatValue: (value) => formatPercent(value, 1),
        columnHeading: 'Class',
      }),
    );
  }

  private gapParagraph(teacher?: ModelEvaluation, distilled?: ModelEvaluation, baseline?: ModelEvaluation): HTMLElement {
    if (teacher === undefined || distilled === undefined || baseline === undefined) {
      return h('p', { class: 'gap', 'data-testid': 'gap-recovered' }, 'Gap recovered: n/a until the teacher, the distilled student and the baseline are all evaluated.');
    }
    const share = gapRecovered(teacher.errors, distilled.errors, baseline.errors);
    if (share === null) {
      return h(
        'p',
        { class: 'gap', 'data-testid': 'gap-recovered' },
        h('strong', {}, 'Gap recovered: n/a. '),
        `The teacher (${formatCount(teacher.errors)} errors) is not better than the baseline (${formatCount(baseline.errors)}), so there is no gap to recover.`,
      );
    }
    return h(
      'p',
      { class: 'gap', 'data-testid': 'gap-recovered' },
      h('strong', { 'data-testid': 'gap-value' }, `Gap recovered: ${formatPercent(share, 1)}. `),
      `Distillation removed ${formatCount(baseline.errors - distilled.errors)} of the ${formatCount(baseline.errors - teacher.errors)} test errors between the baseline (${formatCount(baseline.errors)}) and the teacher (${formatCount(teacher.errors)}): (baseline − distilled) / (baseline − teacher).`,
    );
  }
}

/** Axis bounds for per-class accuracy: from a round value under the lowest accuracy up to 100 %. */
function perClassAxis(evaluations: readonly ModelEvaluation[]): { axisMin: number; axisMax: number } {
  const values = evaluations.flatMap((evaluation) => evaluation.perClassAccuracy).filter((value): value is number => value !== null);
  const lowest = values.length === 0 ? 0 : Math.min(...values);
  return { axisMin: Math.max(0, Math.floor((lowest - 0.01) * 20) / 20), axisMax: 1 };
}
