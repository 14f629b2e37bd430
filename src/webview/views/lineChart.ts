// A uPlot line chart with the controls that the curves views share: series toggles, a log-scale
// toggle, zoom and pan, the hover read-out of uPlot's legend, and a table of the numbers for screen
// readers. Drag or wheel zooms, Shift+drag pans, and buttons and keys do both.
//
// Long series (setPoints) are decimated to the first, last, minimum and maximum point of each
// pixel column of the visible range before uPlot draws them, and decimated again after a zoom, a
// pan or a resize. The hover read-out still shows each series' exact value at the hovered x.

import uPlot from 'uplot';

import { t } from '../l10n';
import type { AlignedColumns, PointSeries } from '../model/curves';
import { ChartDecimation, type XRange } from '../model/decimate';
import { button, checkbox, h, tableToggle } from './dom';
import type { ChartTheme } from './theme';

export interface ChartSeries {
  key: string;
  label: string;
  /** Tooltip of the series' legend entry and toggle. */
  description?: string;
  color: string;
  /** Canvas dash pattern in pixels; solid when absent. */
  dash?: number[];
  width?: number;
  /** Draws a dot at each point, for sparse per-epoch series. */
  points?: boolean;
}

export interface ChartSettings {
  logScale: boolean;
  /** Keys of the series that the user switched off. */
  hidden: string[];
}

export interface LineChartOptions {
  /** Stable id, used for element ids and test ids. */
  id: string;
  title: string;
  /** One sentence on what the chart shows, for its aria label. */
  description: string;
  xLabel: string;
  yLabel: string;
  formatX: (value: number) => string;
  formatY: (value: number) => string;
  /** Puts x ticks on whole numbers only, for epoch axes. */
  integerX?: boolean;
  /** Draws the x axis on a base-2 log scale while every x value is positive, for temperatures such as 1, 2, 4, 8, 16. */
  log2X?: boolean;
  allowLogScale: boolean;
  height: number;
  settings: ChartSettings;
  onSettingsChange: (settings: ChartSettings) => void;
  buildTable: () => HTMLElement;
}

/** Share of the visible x range that one zoom step removes or one pan step moves. */
const zoomStep = 0.5;
const panStep = 0.25;
/** CSS pixels per point below which a series is drawn without a dot on each point. */
const minDotSpacing = 6;
/** Tick steps of an integer x axis: 1, 2, 5, 10, 20, 50 … up to 5 × 10⁶. */
const integerIncrements = [1, 2, 5].flatMap((step) => [1, 10, 100, 1000, 10_000, 100_000, 1_000_000].map((power) => step * power)).sort((a, b) => a - b);
/** Size in CSS pixels of a toggle's line swatch. */
const swatchWidth = 24;
const swatchHeight = 10;
const svgNamespace = 'http://www.w3.org/2000/svg';

/**
 * Creates a short line drawn like a series (colour, width and dash), as the swatch of its toggle.
 * An SVG line, not a CSS border, because CSS cannot draw a canvas dash pattern such as [2, 3].
 */
function seriesSwatch(series: ChartSeries): SVGSVGElement {
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('class', 'series-swatch');
  svg.setAttribute('width', String(swatchWidth));
  svg.setAttribute('height', String(swatchHeight));
  svg.setAttribute('viewBox', `0 0 ${swatchWidth} ${swatchHeight}`);
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(svgNamespace, 'line');
  line.setAttribute('x1', '0');
  line.setAttribute('x2', String(swatchWidth));
  line.setAttribute('y1', String(swatchHeight / 2));
  line.setAttribute('y2', String(swatchHeight / 2));
  line.setAttribute('stroke', series.color);
  line.setAttribute('stroke-width', String(series.width ?? 1.5));
  if (series.dash !== undefined && series.dash.length > 0) {
    line.setAttribute('stroke-dasharray', series.dash.join(' '));
  }
  svg.append(line);
  if (series.points === true) {
    const dot = document.createElementNS(svgNamespace, 'circle');
    dot.setAttribute('cx', String(swatchWidth / 2));
    dot.setAttribute('cy', String(swatchHeight / 2));
    dot.setAttribute('r', '2.5');
    dot.setAttribute('fill', series.color);
    svg.append(dot);
  }
  return svg;
}

export class LineChart {
  readonly element: HTMLElement;
  private readonly plotHolder: HTMLElement;
  private readonly toggles: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private plot: uPlot | undefined;
  private series: ChartSeries[] = [];
  private columns: AlignedColumns = [[]];
  /** The full series given to setPoints, which `columns` contains decimated; undefined after setData. */
  private decimation: ChartDecimation | undefined;
  private redecimateRequested = false;
  private zoomed = false;
  private theme: ChartTheme;
  private readonly settings: ChartSettings;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly options: LineChartOptions, theme: ChartTheme) {
    this.theme = theme;
    this.settings = { logScale: options.settings.logScale, hidden: [...options.settings.hidden] };

    this.toggles = h('div', { class: 'series-toggles', role: 'group', 'aria-label': t('Series of {0}', options.title) });
    this.emptyNote = h('p', { class: 'note', hidden: true }, t('No data yet.'));
    this.plotHolder = h('div', {
      class: 'plot',
      tabindex: 0,
      role: 'img',
      'aria-label': t('{0}. {1} Keys: plus and minus zoom, left and right arrows pan, Home resets.', options.title, options.description),
      'data-testid': `${options.id}-plot`,
    });
    this.plotHolder.addEventListener('keydown', (event) => this.onKey(event));

    const controls = h(
      'div',
      { class: 'chart-controls', role: 'toolbar', 'aria-label': t('Controls of {0}', options.title) },
      options.allowLogScale
        ? checkbox(t('Log scale'), this.settings.logScale, (checked) => {
            this.settings.logScale = checked;
            this.notifySettings();
            this.rebuild();
          }, `${options.id}-log`)
        : undefined,
      button(t('Zoom in'), () => this.zoom(zoomStep), { ariaLabel: t('Zoom in on {0}', options.title) }),
      button(t('Zoom out'), () => this.zoom(1 / zoomStep), { ariaLabel: t('Zoom out of {0}', options.title) }),
      button(t('Pan left'), () => this.pan(-panStep), { ariaLabel: t('Pan {0} left', options.title) }),
      button(t('Pan right'), () => this.pan(panStep), { ariaLabel: t('Pan {0} right', options.title) }),
      button(t('Reset zoom'), () => this.resetZoom(), { ariaLabel: t('Show all of {0}', options.title) }),
    );

    this.element = h(
      'section',
      { class: 'chart', 'aria-labelledby': `${options.id}-title`, 'data-testid': options.id },
      h('h3', { id: `${options.id}-title` }, options.title),
      controls,
      this.toggles,
      this.emptyNote,
      this.plotHolder,
      h('p', { class: 'hint' }, t('Drag to zoom, wheel to zoom, Shift+drag to pan, double-click to reset. Clear a series checkbox to hide the series, and hover the chart to read its values.')),
      tableToggle(options.title, options.buildTable, `${options.id}-table`),
    );

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.plotHolder);
  }

  /** Shows new data; the plot is rebuilt only when the set of series changes, and a zoomed view stays zoomed. */
  setData(series: ChartSeries[], columns: AlignedColumns): void {
    this.decimation = undefined;
    this.show(series, columns);
  }

  /**
   * Shows one series of points per chart series, each with increasing x values, decimated for
   * drawing. Arrays that only grew since the previous call are decimated incrementally, and a
   * chart whose series and point counts did not change is not drawn again.
   */
  setPoints(series: ChartSeries[], points: PointSeries[]): void {
    const sameStyle = this.hasSeries(series) && series.every((one, index) => one.label === this.series[index].label && one.color === this.series[index].color);
    const decimation = this.decimation ?? new ChartDecimation();
    const changed = decimation.setPoints(points, this.decimation !== undefined && this.hasSeries(series));
    this.decimation = decimation;
    if (!changed && sameStyle && this.plot !== undefined) {
      // Live progress events extend the loss curves only, so the accuracy chart keeps its drawing.
      return;
    }
    this.show(series, decimation.columns(this.zoomedRange(), this.plotPixels()));
  }

  private hasSeries(series: ChartSeries[]): boolean {
    return series.length === this.series.length && series.every((one, index) => one.key === this.series[index].key);
  }

  private show(series: ChartSeries[], columns: AlignedColumns): void {
    const sameSeries = this.hasSeries(series);
    this.series = series;
    this.columns = columns;
    this.emptyNote.hidden = series.length > 0;
    if (!sameSeries || this.plot === undefined) {
      this.renderToggles();
      this.rebuild();
      return;
    }
    this.plot.setData(columns as uPlot.AlignedData, !this.zoomed);
  }

  setTheme(theme: ChartTheme, series: ChartSeries[]): void {
    this.theme = theme;
    this.series = series;
    this.rebuild();
  }

  /** Number of series drawn, for tests: uPlot counts the x column as series 0. */
  get seriesCount(): number {
    return this.plot === undefined ? 0 : this.plot.series.length - 1;
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  private notifySettings(): void {
    this.options.onSettingsChange({ logScale: this.settings.logScale, hidden: [...this.settings.hidden] });
  }

  private renderToggles(): void {
    this.toggles.replaceChildren(
      ...this.series.map((one) => {
        const toggle = checkbox(one.label, !this.settings.hidden.includes(one.key), (checked) => this.setSeriesShown(one.key, checked), `${this.options.id}-toggle-${one.key}`);
        toggle.classList.add('series-toggle');
        toggle.dataset.key = one.key;
        // The label moves into the slot so the swatch can go before it. vscode-checkbox 2.5.1 would
        // still draw its label attribute beside slotted text, and it names itself after the slotted text.
        toggle.setAttribute('label', '');
        toggle.append(seriesSwatch(one), one.label);
        if (one.description !== undefined) {
          toggle.title = one.description;
        }
        return toggle;
      }),
    );
  }

  private setSeriesShown(key: string, shown: boolean): void {
    this.settings.hidden = this.settings.hidden.filter((hidden) => hidden !== key);
    if (!shown) {
      this.settings.hidden.push(key);
    }
    this.notifySettings();
    const index = this.series.findIndex((one) => one.key === key);
    if (this.plot !== undefined && index >= 0 && this.plot.series[index + 1].show !== shown) {
      this.plot.setSeries(index + 1, { show: shown });
    }
  }

  /**
   * Returns the width of the plot area in device pixels, or the holder's before the plot exists.
   * uPlot's bbox is computed when the size is set, so reading it forces no layout mid-redraw.
   */
  private plotPixels(): number {
    const pixels = this.plot?.bbox.width ?? this.plotHolder.clientWidth * (window.devicePixelRatio || 1);
    return Math.max(1, Math.round(pixels));
  }

  /** Returns the visible x range while zoomed, or undefined for the full view. */
  private zoomedRange(): XRange | undefined {
    const scale = this.plot?.scales.x;
    return this.zoomed && scale?.min !== undefined && scale.max !== undefined ? { min: scale.min, max: scale.max } : undefined;
  }

  /** Decimates again on the next frame when a zoom, a pan or a resize changed the view that the columns were decimated for. */
  private requestRedecimate(): void {
    if (this.decimation === undefined || this.redecimateRequested) {
      return;
    }
    this.redecimateRequested = true;
    requestAnimationFrame(() => {
      this.redecimateRequested = false;
      const plot = this.plot;
      const zoomedRange = this.zoomedRange();
      if (plot === undefined || this.decimation === undefined || this.decimation.isCurrent(zoomedRange, this.plotPixels())) {
        return;
      }
      this.columns = this.decimation.columns(zoomedRange, this.plotPixels());
      // Keeps the scales, so a zoomed view stays where the user put it. Setting the x scale again
      // fits the y scale to the newly decimated points in view.
      plot.setData(this.columns as uPlot.AlignedData, false);
      if (zoomedRange !== undefined) {
        plot.setScale('x', zoomedRange);
      }
    });
  }

  /**
   * Tells whether a series has few enough points in view for a dot on each: at most one per
   * `minDotSpacing` CSS pixels. Dots on a dense series would hide its line, and in headless
   * Chromium without a GPU about 9 000 dots made a redraw take 100 to 300 ms (`npm run bench:ui`).
   */
  private isSparse(plot: uPlot, seriesIndex: number, from: number, to: number): boolean {
    const limit = plot.bbox.width / (window.devicePixelRatio || 1) / minDotSpacing;
    const { min, max } = plot.scales.x;
    if (this.decimation !== undefined && min !== undefined && max !== undefined) {
      return this.decimation.countInRange(seriesIndex - 1, { min, max }) <= limit;
    }
    let visible = 0;
    const column = plot.data[seriesIndex];
    for (let row = from; row <= to && visible <= limit; row += 1) {
      if (column[row] !== null && column[row] !== undefined) {
        visible += 1;
      }
    }
    return visible <= limit;
  }

  /** Returns a series' exact value at the x of an aligned row, also where decimation left the series out of that row. */
  private exactValue(seriesIndex: number, value: number | null | undefined, row: number | null | undefined): number | null {
    if (value !== null && value !== undefined) {
      return value;
    }
    const x = row === null || row === undefined ? undefined : this.columns[0][row];
    return this.decimation === undefined || x === undefined ? null : this.decimation.valueAt(seriesIndex, x);
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.zoomed = false;
    const width = this.plotHolder.clientWidth;
    if (this.series.length === 0 || width === 0) {
      // A hidden tab has no width; the ResizeObserver builds the plot when the tab is shown.
      return;
    }
    if (this.decimation !== undefined) {
      // The new plot starts unzoomed, and its width may differ from the one decimated for.
      this.columns = this.decimation.columns(undefined, this.plotPixels());
    }

    const theme = this.theme;
    const font = `12px ${theme.fontFamily}`;
    const axis = (label: string, values?: uPlot.Axis['values']): uPlot.Axis => ({
      label,
      stroke: theme.foreground,
      font,
      labelFont: font,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      values,
    });
    // The y axis grows with its longest tick label, so "100.0%" does not run into the axis title.
    const yAxisSize = (plot: uPlot, values: string[] | null): number => {
      if (values === null || values.length === 0) {
        return 50;
      }
      plot.ctx.font = font;
      const labels = values.filter((value): value is string => typeof value === 'string');
      const widest = Math.max(0, ...labels.map((value) => plot.ctx.measureText(value).width));
      return Math.ceil(widest) + 34;
    };

    // A log scale has no place for zero or negative values, so such data keeps a linear x axis.
    const logX = this.options.log2X === true && this.columns[0].length > 0 && this.columns[0].every((x) => x > 0);
    const xAxis = axis(this.options.xLabel, (_plot, splits) => {
      // A log axis passes null for the splits it leaves unlabelled.
      const labels = splits.map((value) => (value === null ? null : this.options.formatX(value)));
      this.plotHolder.dataset.xTicks = labels.filter((label) => label !== null).join(' ');
      return labels;
    });
    if (this.options.integerX === true && !logX) {
      xAxis.incrs = integerIncrements;
    }

    const options: uPlot.Options = {
      width,
      height: this.options.height,
      scales: {
        // A log range would otherwise widen to whole powers of 2, past the last temperature.
        x: logX ? { time: false, distr: 3, log: 2, range: (_plot, min, max) => [min, max] } : { time: false },
        y: this.settings.logScale ? { distr: 3, log: 10 } : { distr: 1 },
      },
      axes: [
        xAxis,
        { ...axis(this.options.yLabel, (_plot, splits) => splits.map((value) => (value === null ? null : this.options.formatY(value)))), size: yAxisSize },
      ],
      series: [
        { label: this.options.xLabel, value: (_plot, value) => (value === null ? '—' : this.options.formatX(value)) },
        ...this.series.map(
          (one, index): uPlot.Series => ({
            label: one.label,
            stroke: one.color,
            width: one.width ?? 1.5,
            dash: one.dash,
            spanGaps: true,
            show: !this.settings.hidden.includes(one.key),
            points: { show: one.points === true ? (plot, seriesIndex, from, to) => this.isSparse(plot, seriesIndex, from, to) : false, size: 5, fill: one.color, stroke: one.color },
            value: (_plot, value, _seriesIndex, row) => {
              const exact = this.exactValue(index, value, row);
              return exact === null ? '—' : this.options.formatY(exact);
            },
          }),
        ),
      ],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { live: true },
      hooks: {
        setScale: [(plot, key) => this.onScale(plot, key)],
        setSeries: [(plot, index) => this.onSeriesToggled(plot, index)],
        // The legend duplicates the toggles' labels, so it is shown only with the values under the cursor.
        setCursor: [(plot) => this.element.classList.toggle('legend-idle', plot.cursor.idx === null || plot.cursor.idx === undefined)],
      },
    };
    this.element.classList.add('legend-idle');
    this.plot = new uPlot(options, this.columns as uPlot.AlignedData, this.plotHolder);
    this.describeLegend(this.plot);
    this.attachPointerZoom(this.plot);
  }

  /** Sets the tooltips of uPlot's legend rows, whose first row is the x series. */
  private describeLegend(plot: uPlot): void {
    const rows = plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    this.series.forEach((one, index) => {
      const row = rows[index + 1];
      if (one.description !== undefined && row !== undefined) {
        row.title = one.description;
      }
    });
  }

  private resize(): void {
    const width = this.plotHolder.clientWidth;
    if (width === 0) {
      return;
    }
    if (this.plot === undefined) {
      this.rebuild();
    } else if (Math.abs(this.plot.width - width) > 1) {
      this.plot.setSize({ width, height: this.options.height });
      this.requestRedecimate();
    }
  }

  private onSeriesToggled(plot: uPlot, index: number | null): void {
    if (index === null || index < 1) {
      return;
    }
    const one = this.series[index - 1];
    const shown = plot.series[index].show !== false;
    const toggle = [...this.toggles.children].find((child) => (child as HTMLElement).dataset.key === one.key) as (HTMLElement & { checked: boolean }) | undefined;
    if (toggle !== undefined && toggle.checked !== shown) {
      toggle.checked = shown;
    }
    if (this.settings.hidden.includes(one.key) === shown) {
      this.setSeriesShown(one.key, shown);
    }
  }

  private fullRange(): XRange | undefined {
    if (this.decimation !== undefined) {
      // The columns of a zoomed view hold only the points in view, so the range comes from the full series.
      return this.decimation.fullRange();
    }
    const xs = this.columns[0];
    return xs.length === 0 ? undefined : { min: xs[0], max: xs[xs.length - 1] };
  }

  private onScale(plot: uPlot, key: string): void {
    if (key !== 'x') {
      return;
    }
    const full = this.fullRange();
    const { min, max } = plot.scales.x;
    if (full === undefined || min === undefined || max === undefined) {
      this.zoomed = false;
      return;
    }
    const tolerance = (full.max - full.min) * 1e-6;
    this.zoomed = min > full.min + tolerance || max < full.max - tolerance;
    this.requestRedecimate();
  }

  private setRange(min: number, max: number): void {
    const full = this.fullRange();
    if (this.plot === undefined || full === undefined) {
      return;
    }
    const width = Math.min(max - min, full.max - full.min);
    let start = Math.max(full.min, min);
    if (start + width > full.max) {
      start = full.max - width;
    }
    this.plot.setScale('x', { min: start, max: start + width });
  }

  private zoom(factor: number, center?: number): void {
    const scale = this.plot?.scales.x;
    if (scale?.min === undefined || scale.max === undefined) {
      return;
    }
    const middle = center ?? (scale.min + scale.max) / 2;
    const half = ((scale.max - scale.min) * factor) / 2;
    if (half <= 0) {
      return;
    }
    const fraction = center === undefined ? 0.5 : (center - scale.min) / (scale.max - scale.min);
    this.setRange(middle - 2 * half * fraction, middle + 2 * half * (1 - fraction));
  }

  private pan(fraction: number): void {
    const scale = this.plot?.scales.x;
    if (scale?.min === undefined || scale.max === undefined) {
      return;
    }
    const shift = (scale.max - scale.min) * fraction;
    this.setRange(scale.min + shift, scale.max + shift);
  }

  private resetZoom(): void {
    const full = this.fullRange();
    if (full !== undefined) {
      this.plot?.setScale('x', full);
    }
  }

  private onKey(event: KeyboardEvent): void {
    const actions: Record<string, () => void> = {
      '+': () => this.zoom(zoomStep),
      '=': () => this.zoom(zoomStep),
      '-': () => this.zoom(1 / zoomStep),
      ArrowLeft: () => this.pan(-panStep),
      ArrowRight: () => this.pan(panStep),
      Home: () => this.resetZoom(),
      '0': () => this.resetZoom(),
    };
    const action = actions[event.key];
    if (action !== undefined) {
      event.preventDefault();
      action();
    }
  }

  /** Wheel zoom around the pointer, and Shift+drag to pan; plain drags stay uPlot's zoom-to-selection. */
  private attachPointerZoom(plot: uPlot): void {
    plot.over.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const center = plot.posToVal(event.offsetX, 'x');
        this.zoom(event.deltaY < 0 ? 0.8 : 1.25, center);
      },
      { passive: false },
    );

    plot.root.addEventListener(
      'mousedown',
      (event) => {
        if (!event.shiftKey || event.button !== 0 || !plot.over.contains(event.target as Node)) {
          return;
        }
        // Stops uPlot's own mousedown on the overlay, which would start a zoom selection.
        event.stopPropagation();
        event.preventDefault();
        const startX = event.clientX;
        const { min, max } = plot.scales.x;
        if (min === undefined || max === undefined) {
          return;
        }
        const valuesPerPixel = (max - min) / plot.over.clientWidth;
        const move = (moveEvent: MouseEvent): void => {
          const shift = (startX - moveEvent.clientX) * valuesPerPixel;
          this.setRange(min + shift, max + shift);
        };
        const up = (): void => {
          window.removeEventListener('mousemove', move);
          window.removeEventListener('mouseup', up);
        };
        window.addEventListener('mousemove', move);
        window.addEventListener('mouseup', up);
      },
      { capture: true },
    );
  }
}
