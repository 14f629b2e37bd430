// Sweep tab of a sweep child's results: test errors against T per soft weight, the shared teacher
// and baseline as dashed reference lines, and the grid as a table.

import type { SweepSummary } from '../../protocol/messages';
import { t } from '../l10n';
import { formatCount, formatNumber } from '../model/format';
import { sweepChart, sweepSummaryLine, sweepTable, type SweepSeriesDefinition } from '../model/sweep';
import type { ResultsUiState } from '../model/uiState';
import { dataTable, h, replaceContent } from './dom';
import { LineChart, type ChartSeries } from './lineChart';
import type { ChartTheme } from './theme';

/** Palette entries for the soft weights: all but 0 and 2, the teacher's blue and the baseline's green. */
const softWeightPaletteSlots = [1, 3, 4, 5, 6, 7];

function seriesStyle(definition: SweepSeriesDefinition, theme: ChartTheme): ChartSeries {
  switch (definition.kind) {
    case 'teacher':
      return { key: definition.key, label: definition.label, color: theme.roles.teacher, dash: [6, 4], width: 1.5 };
    case 'baseline':
      return { key: definition.key, label: definition.label, color: theme.roles.baseline, dash: [6, 4], width: 1.5 };
    default: {
      const slot = softWeightPaletteSlots[(definition.index ?? 0) % softWeightPaletteSlots.length];
      return { key: definition.key, label: definition.label, color: theme.palette[slot % theme.palette.length], width: 2.5, points: true };
    }
  }
}

export class SweepTab {
  readonly element: HTMLElement;
  private readonly chart: LineChart;
  private readonly summaryLine: HTMLElement;
  private readonly tableHolder: HTMLElement;
  private sweep: SweepSummary | undefined;

  constructor(private theme: ChartTheme, ui: ResultsUiState, saveUi: () => void) {
    const chartId = 'sweep-chart';
    this.chart = new LineChart(
      {
        id: chartId,
        title: t('Test errors against temperature'),
        description: t("The distilled student's test errors at each temperature of the sweep, one line per soft weight, with the shared teacher and baseline as dashed lines."),
        xLabel: t('Temperature T'),
        yLabel: t('Test errors'),
        formatX: (value) => formatNumber(value, 3),
        log2X: true,
        formatY: (value) => formatCount(value),
        allowLogScale: true,
        height: 320,
        settings: ui.charts[chartId] ?? { logScale: false, hidden: [] },
        onSettingsChange: (settings) => {
          ui.charts[chartId] = settings;
          saveUi();
        },
        buildTable: () => this.table(),
      },
      theme,
    );
    this.summaryLine = h('p', { class: 'note', 'data-testid': 'sweep-summary' });
    this.tableHolder = h('div', { class: 'sweep-table' });
    this.element = h('div', { class: 'tab-content sweep-tab' }, this.summaryLine, this.chart.element, this.tableHolder);
  }

  update(sweep: SweepSummary): void {
    this.sweep = sweep;
    const chart = sweepChart(sweep);
    this.chart.setData(
      chart.series.map((definition) => seriesStyle(definition, this.theme)),
      chart.columns,
    );
    this.summaryLine.textContent = sweepSummaryLine(sweep);
    replaceContent(this.tableHolder, this.table());
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    if (this.sweep !== undefined) {
      this.chart.setTheme(theme, sweepChart(this.sweep).series.map((definition) => seriesStyle(definition, theme)));
    }
  }

  private table(): HTMLElement {
    if (this.sweep === undefined) {
      return h('p', { class: 'note' }, t('No sweep data yet.'));
    }
    const { headers, rows, best } = sweepTable(this.sweep);
    if (best.length === 0) {
      return dataTable(t("Distilled student's test errors by temperature and soft weight"), headers, rows, 'sweep-table');
    }
    const caption = t("Distilled student's test errors by temperature and soft weight. Bold: the fewest test errors.");
    const table = dataTable(caption, headers, rows, 'sweep-table');
    const rowElements = table.querySelectorAll('vscode-table-body > vscode-table-row');
    for (const { row, column } of best) {
      rowElements[row]?.children[column]?.classList.add('best-cell');
    }
    return h('div', {}, h('p', { class: 'note', 'data-testid': 'sweep-table-caption' }, caption), table);
  }
}
