// Confusion tab: one confusion matrix per model, shaded by the share of the true class's row,
// with the count and share of the focused or hovered cell read out.

import { t } from '../l10n';
import { roleLabel } from '../model/curves';
import { formatCount, formatPercent } from '../model/format';
import type { ResultsChange, ResultsState } from '../model/results';
import { modelRoles } from '../model/softened';
import { h, note } from './dom';
import { renderHeatmap } from './heatmap';
import { roleColors } from './roleColors';

export class ConfusionTab {
  readonly element: HTMLElement;

  constructor() {
    this.element = h('div', { class: 'tab-content confusion-tab' }, note(t('No model has been evaluated yet.')));
  }

  update(state: ResultsState, changes: ReadonlySet<ResultsChange>): void {
    if (changes.has('evaluations')) {
      this.render(state);
    }
  }

  private render(state: ResultsState): void {
    const roles = modelRoles.filter((role) => state.evaluations[role] !== undefined);
    if (roles.length === 0) {
      this.element.replaceChildren(note(t('No model has been evaluated yet.')));
      return;
    }

    const matrices = roles.map((role) => {
      const confusion = state.evaluations[role]?.confusion ?? [];
      const rowTotals = confusion.map((row) => row.reduce((sum, value) => sum + value, 0));
      const labels = confusion.map((_, index) => String(index));
      const share = (row: number, column: number): number => (rowTotals[row] === 0 ? 0 : confusion[row][column] / rowTotals[row]);
      let largestError = 0;
      confusion.forEach((row, rowIndex) => row.forEach((_, column) => {
        if (column !== rowIndex) {
          largestError = Math.max(largestError, share(rowIndex, column));
        }
      }));
      return h(
        'div',
        { class: 'heatmap-holder', 'data-role': role },
        renderHeatmap({
          id: `confusion-${role}`,
          caption: t('{0}: {1} errors', roleLabel(role), formatCount(state.evaluations[role]?.errors)),
          rowHeading: t('true class'),
          columnHeading: t('predicted class'),
          rowAxisTitle: t('True class ↓'),
          columnAxisTitle: t('Predicted class →'),
          labels,
          color: roleColors[role],
          // Errors are a few percent of a row at most, so they would vanish on the diagonal's
          // scale. They get their own colour and a scale relative to the largest error share.
          cellColor: (row, column) => (row === column ? roleColors[role] : 'var(--vscode-charts-red)'),
          intensity: (row, column) => (row === column ? share(row, column) : largestError === 0 ? 0 : (0.8 * share(row, column)) / largestError),
          cellText: (row, column) => (confusion[row][column] === 0 ? '' : formatCount(confusion[row][column])),
          describe: (row, column) =>
            t(
              '{0}: true {1}, predicted {2}: {3} of {4} examples ({5}).',
              roleLabel(role),
              labels[row],
              labels[column],
              formatCount(confusion[row][column]),
              formatCount(rowTotals[row]),
              formatPercent(share(row, column)),
            ),
        }),
      );
    });

    this.element.replaceChildren(
      note(t('Rows are true classes and columns predicted classes. Diagonal cells are shaded by the share of their row that is right; error cells, in red, by their share relative to the largest error share of the matrix. Empty cells are zero. Use the arrow keys inside a matrix to read its cells.')),
      h('div', { class: 'heatmaps' }, ...matrices),
    );
  }
}
