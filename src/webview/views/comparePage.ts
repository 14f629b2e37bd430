// The compare page: two or more runs side by side, with their metrics, the config paths whose
// values differ, and their validation accuracy curves overlaid.

import type { ModelRole } from '../../config/types';
import type { CompareHostMessage, CompareRun } from '../../protocol/webview';
import { t } from '../l10n';
import { configDifferences, runMetrics, teacherErrorsText, type RunMetrics } from '../model/compare';
import { alignSeries, modelLabel, roleLabel } from '../model/curves';
import { formatCount, formatNumber, formatPercent, statusLabel } from '../model/format';
import type { ChartSettingsState } from '../model/uiState';
import { modelRoles } from '../model/softened';
import { button, dataTable, h, note, setTableColumns } from './dom';
import { LineChart, type ChartSeries } from './lineChart';
import { onThemeChange, readTheme, type ChartTheme } from './theme';

/** Dash patterns that distinguish the models, while colour distinguishes the runs. */
const roleDashes: Record<ModelRole, number[] | undefined> = { teacher: [6, 4], distilled: undefined, baseline: [2, 3] };

/** Returns "458 (95.42%)" for a bias-adjusted student, or "n/a" for a run without one. */
function adjustedText(metric: RunMetrics): string {
  if (metric.adjusted === undefined) {
    return t('n/a');
  }
  return `${formatCount(metric.adjusted.errors)} (${formatPercent(metric.adjusted.accuracy)})`;
}

export class ComparePage {
  private runs: CompareRun[] = [];
  private warnings: string[] = [];
  private readonly chart: LineChart;
  private readonly tables: HTMLElement;
  private theme: ChartTheme = readTheme();

  constructor(
    private readonly root: HTMLElement,
    charts: Record<string, ChartSettingsState>,
    saveCharts: (charts: Record<string, ChartSettingsState>) => void,
    private readonly openRun: (runId: string) => void,
  ) {
    this.chart = new LineChart(
      {
        id: 'compare-chart',
        title: t('Validation accuracy per epoch'),
        description: t('Validation accuracy of each compared run; colour tells the runs apart, dashes the models: teacher dashed, distilled solid, baseline dotted.'),
        xLabel: t('Epoch'),
        yLabel: t('Accuracy'),
        formatX: (value) => formatNumber(value, 4),
        integerX: true,
        formatY: (value) => formatPercent(value, 1),
        allowLogScale: false,
        height: 320,
        settings: charts['compare-chart'] ?? { logScale: false, hidden: [] },
        onSettingsChange: (settings) => {
          charts['compare-chart'] = settings;
          saveCharts(charts);
        },
        buildTable: () => this.curveTable(),
      },
      this.theme,
    );
    this.tables = h('div', { class: 'compare-tables' });
    this.root.replaceChildren(h('p', { class: 'loading' }, t('Loading the runs…')));
    onThemeChange(() => {
      this.theme = readTheme();
      this.chart.setTheme(this.theme, this.chartSeries());
    });
  }

  receive(message: CompareHostMessage): void {
    if (message.type === 'compare/snapshot') {
      this.runs = message.runs;
      this.warnings = message.warnings;
      this.root.replaceChildren(h('h2', {}, t('Comparing {0} runs', message.runs.length)), this.tables, this.chart.element);
      this.render();
      return;
    }

    const run = this.runs.find((one) => one.runId === message.runId);
    if (run === undefined) {
      return;
    }
    for (const event of message.events) {
      if (event.type === 'run/epoch') {
        run.epochs.push(event);
      } else if (event.type === 'run/evaluation' && event.evaluation.member === undefined && run.summary !== undefined) {
        // A member's evaluation would replace the ensemble's, which has the same role. The final summary lists the members.
        run.summary.models[event.evaluation.role] = event.evaluation;
      } else if (event.type === 'run/finished') {
        run.summary = event.summary;
        run.status = event.status;
      }
    }
    this.render();
  }

  private render(): void {
    const metrics = this.runs.map(runMetrics);
    const differences = configDifferences(this.runs.map((run) => run.config));

    // The bias-adjusted column appears only when a compared run has one.
    const anyAdjusted = metrics.some((metric) => metric.adjusted !== undefined);
    const metricRows = metrics.map((metric, index) => [
      metric.runName,
      statusLabel(this.runs[index].status),
      teacherErrorsText(metric, formatCount),
      formatCount(metric.errors.distilled),
      ...(anyAdjusted ? [adjustedText(metric)] : []),
      formatCount(metric.errors.baseline),
      formatPercent(metric.accuracy.distilled),
      metric.gapRecovered === null ? t('n/a') : formatPercent(metric.gapRecovered, 1),
      metric.compressionRatio === null ? t('n/a') : `${formatNumber(metric.compressionRatio, 3)}×`,
      formatNumber(metric.temperature, 3),
    ]);

    const metricsTable = dataTable(
      t('Metrics of the compared runs'),
      [
        t('Run'),
        t('Status'),
        t('Teacher errors'),
        t('Distilled errors'),
        ...(anyAdjusted ? [t('Bias-adjusted errors')] : []),
        t('Baseline errors'),
        t('Distilled accuracy'),
        t('Gap recovered'),
        t('Compression'),
        'T',
      ],
      metricRows,
      'compare-metrics',
    );
    setTableColumns(
      metricsTable,
      anyAdjusted ? ['13%', '8%', '14%', '9%', '11%', '9%', '10%', '9%', '10%', '7%'] : ['16%', '10%', '11%', '11%', '11%', '12%', '11%', '11%', '7%'],
    );
    this.tables.replaceChildren(
      ...this.warnings.map((warning) => h('p', { class: 'error', role: 'alert' }, warning)),
      h(
        'div',
        { class: 'run-links', role: 'group', 'aria-label': t('Open the results of a run') },
        ...this.runs.map((run) => button(t('Open {0}', run.runId), () => this.openRun(run.runId), { testId: `open-${run.runId}` })),
      ),
      h('h3', {}, t('Metrics')),
      metricsTable,
      h('h3', {}, t('Config differences')),
      differences.length === 0
        ? note(t('The configs are identical.'))
        : dataTable(
            t('Config paths whose values differ'),
            [t('Path'), ...this.runs.map((run) => run.runId)],
            differences.map((difference) => [difference.path, ...difference.values.map((value) => value ?? t('(absent)'))]),
            'compare-config',
          ),
    );
    this.chart.setData(this.chartSeries(), this.chartColumns());
  }

  /**
   * One curve per run and whole model. Ensemble members' epochs are left out, because a line per
   * member of every run would crowd the chart; the table lists them.
   */
  private curveKeys(): { run: CompareRun; runIndex: number; role: ModelRole }[] {
    return this.runs.flatMap((run, runIndex) =>
      modelRoles.filter((role) => run.epochs.some((epoch) => epoch.role === role && epoch.member === undefined)).map((role) => ({ run, runIndex, role })),
    );
  }

  private chartSeries(): ChartSeries[] {
    return this.curveKeys().map(({ run, runIndex, role }) => ({
      key: `${run.runId}/${role}`,
      label: `${run.runName} (${run.runId.slice(0, 15)}) ${roleLabel(role).toLowerCase()}`,
      color: this.theme.palette[runIndex % this.theme.palette.length],
      dash: roleDashes[role],
      width: role === 'distilled' ? 2.5 : 1.5,
      points: true,
    }));
  }

  private chartColumns(): ReturnType<typeof alignSeries> {
    return alignSeries(
      this.curveKeys().map(({ run, role }) => {
        const epochs = run.epochs.filter((epoch) => epoch.role === role && epoch.member === undefined);
        return { x: epochs.map((epoch) => epoch.epoch), y: epochs.map((epoch) => (Number.isFinite(epoch.validationAccuracy) ? epoch.validationAccuracy : null)) };
      }),
    );
  }

  private curveTable(): HTMLElement {
    const rows = this.runs.flatMap((run) =>
      run.epochs.map((epoch) => [run.runId, modelLabel(epoch.role, epoch.member), String(epoch.epoch), formatPercent(Number.isFinite(epoch.validationAccuracy) ? epoch.validationAccuracy : null), formatNumber(epoch.loss, 4)]),
    );
    return dataTable(t('Validation accuracy per epoch of the compared runs'), [t('Run'), t('Model'), t('Epoch'), t('Validation accuracy'), t('Training loss')], rows);
  }
}
