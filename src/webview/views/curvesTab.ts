// Curves tab: training loss (every few steps and per epoch, the distilled student's soft and hard
// terms apart) and validation accuracy per epoch, for the teacher and both students. For runs that
// report it, the soft term's curve shows its KL part, which approaches 0 as the student learns.

import { t } from '../l10n';
import { accuracyCurves, chartSeries, lossCurves, modelLabel, type CurveDefinition } from '../model/curves';
import { formatCount, formatDuration, formatNumber, formatPercent } from '../model/format';
import type { EpochSeries, ResultsChange, ResultsState } from '../model/results';
import { modelRoles } from '../model/softened';
import type { ResultsUiState } from '../model/uiState';
import { dataTable, h } from './dom';
import { LineChart, type ChartSeries } from './lineChart';
import type { ChartTheme } from './theme';

/** Milliseconds between two redraws of a live chart; events arrive faster than that. */
const redrawIntervalMs = 250;

/** Colour of a curve: its role's, or for an ensemble member one of the member colours, by member position. */
function curveColor(curve: CurveDefinition, theme: ChartTheme, memberNames: readonly string[]): string {
  if (curve.member === undefined) {
    return theme.roles[curve.role];
  }
  const position = Math.max(0, memberNames.indexOf(curve.member));
  return theme.members[position % theme.members.length];
}

function seriesStyle(curve: CurveDefinition, theme: ChartTheme, memberNames: readonly string[] = []): ChartSeries {
  const color = curveColor(curve, theme, memberNames);
  const series = { key: curve.key, label: curve.label, description: curve.description, color };
  switch (curve.metric) {
    case 'stepLoss':
      return { ...series, width: 1 };
    case 'softLoss':
    case 'softKlDivergence':
      return { ...series, width: 1.5, dash: [6, 4], points: true };
    case 'hardLoss':
      return { ...series, width: 1.5, dash: [2, 3], points: true };
    default:
      return { ...series, width: 2.5, points: true };
  }
}

/** Returns the note above the loss chart, on the soft term's KL part when the chart draws it and on the soft term otherwise. */
function softTermNote(drawsKullbackLeibler: boolean): string {
  if (drawsKullbackLeibler) {
    return t("The distilled total is softWeight × soft + hardWeight × hard. The chart draws the soft term's KL part, T² · KL(p_T ‖ q_T), which is 0 when the student matches the teacher. The soft cross-entropy T² · H(p_T, q_T) also contains the teacher's entropy T² · H(p_T), which does not depend on the student. The chart's table lists the soft term and its KL part. T² applies when the config sets scaleByTemperatureSquared.");
  }
  return t('The distilled total is softWeight × soft + hardWeight × hard. The soft term is multiplied by T² when the config sets scaleByTemperatureSquared, so it can be far above the other losses; the log scale, on by default, keeps them all readable.');
}

export class CurvesTab {
  readonly element: HTMLElement;
  private readonly lossChart: LineChart;
  private readonly accuracyChart: LineChart;
  private readonly stepNote: HTMLElement;
  private readonly lossNote: HTMLElement;
  private state: ResultsState | undefined;
  private lastDraw = 0;
  private pendingDraw: ReturnType<typeof setTimeout> | undefined;

  constructor(private theme: ChartTheme, private readonly ui: ResultsUiState, private readonly saveUi: () => void) {
    // The loss chart starts on a log scale: the T²-scaled soft term is tens of times the other losses.
    const settingsOf = (id: string) => ui.charts[id] ?? { logScale: id === 'loss-chart', hidden: [] };
    const remember = (id: string) => (settings: { logScale: boolean; hidden: string[] }) => {
      ui.charts[id] = settings;
      saveUi();
    };

    this.lossChart = new LineChart(
      {
        id: 'loss-chart',
        title: t('Training loss'),
        description: t('Training loss against epochs for the teacher, the distilled student (total, soft and hard terms) and the baseline.'),
        xLabel: t('Epoch'),
        yLabel: t('Loss'),
        formatX: (value) => formatNumber(value, 4),
        integerX: true,
        formatY: (value) => formatNumber(value, 3),
        allowLogScale: true,
        height: 320,
        settings: settingsOf('loss-chart'),
        onSettingsChange: remember('loss-chart'),
        buildTable: () => this.epochTable(),
      },
      theme,
    );
    this.accuracyChart = new LineChart(
      {
        id: 'accuracy-chart',
        title: t('Validation accuracy'),
        description: t('Validation accuracy after each epoch for the teacher, the distilled student and the baseline.'),
        xLabel: t('Epoch'),
        yLabel: t('Accuracy'),
        formatX: (value) => formatNumber(value, 4),
        integerX: true,
        formatY: (value) => formatPercent(value, 1),
        allowLogScale: false,
        height: 260,
        settings: settingsOf('accuracy-chart'),
        onSettingsChange: remember('accuracy-chart'),
        buildTable: () => this.epochTable(),
      },
      theme,
    );
    this.stepNote = h('p', { class: 'note' });
    this.lossNote = h('p', { class: 'note', 'data-testid': 'loss-note' }, softTermNote(false));
    this.element = h(
      'div',
      { class: 'tab-content curves-tab' },
      this.lossNote,
      this.lossChart.element,
      this.stepNote,
      this.accuracyChart.element,
    );
  }

  update(state: ResultsState, changes: ReadonlySet<ResultsChange>): void {
    this.state = state;
    if (!changes.has('curves')) {
      return;
    }
    const wait = this.lastDraw + redrawIntervalMs - Date.now();
    if (wait <= 0) {
      this.draw();
    } else if (this.pendingDraw === undefined) {
      this.pendingDraw = setTimeout(() => this.draw(), wait);
    }
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    if (this.state !== undefined) {
      const loss = chartSeries(this.state, lossCurves);
      const accuracy = chartSeries(this.state, accuracyCurves);
      const members = this.state.memberNames;
      this.lossChart.setTheme(theme, loss.curves.map((curve) => seriesStyle(curve, theme, members)));
      this.accuracyChart.setTheme(theme, accuracy.curves.map((curve) => seriesStyle(curve, theme, members)));
    }
  }

  /** Series drawn per chart, for tests. */
  seriesCounts(): { loss: number; accuracy: number } {
    return { loss: this.lossChart.seriesCount, accuracy: this.accuracyChart.seriesCount };
  }

  private draw(): void {
    this.pendingDraw = undefined;
    this.lastDraw = Date.now();
    const state = this.state;
    if (state === undefined) {
      return;
    }
    const loss = chartSeries(state, lossCurves);
    const accuracy = chartSeries(state, accuracyCurves);
    const members = state.memberNames;
    this.lossChart.setPoints(loss.curves.map((curve) => seriesStyle(curve, this.theme, members)), loss.points);
    this.lossNote.textContent = softTermNote(loss.curves.some((curve) => curve.metric === 'softKlDivergence'));
    this.accuracyChart.setPoints(accuracy.curves.map((curve) => seriesStyle(curve, this.theme, members)), accuracy.points);

    let stepPoints = modelRoles.reduce((total, role) => total + state.curves[role].steps.x.length, 0);
    state.memberCurves.forEach((curves) => (stepPoints += curves.steps.x.length));
    this.stepNote.textContent =
      stepPoints === 0
        ? t('No per-step losses yet.')
        : t('{0} per-step loss points, each the mean since the previous report; the tables list per-epoch values only.', formatCount(stepPoints));
  }

  private epochTable(): HTMLElement {
    const state = this.state;
    const rows: string[][] = [];
    const models: { label: string; epochs: EpochSeries | undefined }[] = [];
    for (const role of modelRoles) {
      if (role === 'teacher') {
        // Ensemble members train before the ensemble exists, so their epochs come first.
        state?.memberNames.forEach((member) => models.push({ label: modelLabel(role, member), epochs: state.memberCurves.get(member)?.epochs }));
      }
      models.push({ label: modelLabel(role), epochs: state?.curves[role].epochs });
    }
    for (const { label, epochs } of models) {
      epochs?.epoch.forEach((epoch, index) => {
        rows.push([
          label,
          `${epoch} / ${epochs.epochs}`,
          formatNumber(epochs.loss[index], 4),
          formatNumber(epochs.softLoss[index], 4),
          formatNumber(epochs.softKlDivergence[index], 4),
          formatNumber(epochs.hardLoss[index], 4),
          formatNumber(epochs.validationLoss[index], 4),
          formatPercent(epochs.validationAccuracy[index]),
          formatDuration(epochs.seconds[index]),
        ]);
      });
    }
    return dataTable(
      t('Per-epoch metrics'),
      [t('Model'), t('Epoch'), t('Loss'), t('Soft term'), t('Soft KL'), t('Hard term'), t('Validation loss'), t('Validation accuracy'), t('Time')],
      rows,
    );
  }
}
