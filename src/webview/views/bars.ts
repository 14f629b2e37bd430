// Bar charts drawn with HTML elements, so each bar can carry its value as text for screen readers
// and hover titles: one distribution per model, and grouped bars for per-class accuracy.

import { t } from '../l10n';
import { dataTable, h, tableToggle } from './dom';

export interface DistributionBarsOptions {
  id: string;
  title: string;
  labels: readonly string[];
  values: ArrayLike<number>;
  /** CSS colour of the bars. */
  color: string;
  /** Index of the true class, marked under its bar. */
  trueClass?: number;
  formatValue: (value: number) => string;
}

/** Vertical bars from 0 to 1, one per class; the largest bar is the model's prediction. */
export function renderDistributionBars(options: DistributionBarsOptions): HTMLElement {
  const bars = h('div', { class: 'bars', role: 'img', 'aria-label': distributionSummary(options), 'data-testid': `${options.id}-bars` });
  for (let k = 0; k < options.labels.length; k += 1) {
    const value = options.values[k];
    const bar = h('div', { class: 'bar', 'data-value': value.toFixed(6) });
    bar.style.height = `${Math.max(0, Math.min(1, value)) * 100}%`;
    bar.style.backgroundColor = options.color;
    const column = h(
      'div',
      { class: k === options.trueClass ? 'bar-column true-class' : 'bar-column', title: `${options.labels[k]}: ${options.formatValue(value)}` },
      h('div', { class: 'bar-track' }, bar),
      h('div', { class: 'bar-label' }, options.labels[k]),
    );
    bars.append(column);
  }
  return bars;
}

function distributionSummary(options: DistributionBarsOptions): string {
  const order = Array.from({ length: options.labels.length }, (_, index) => index).sort((a, b) => options.values[b] - options.values[a]);
  const top = order.slice(0, 3).map((index) => `${options.labels[index]} ${options.formatValue(options.values[index])}`);
  return t('{0}: highest {1}', options.title, top.join(', '));
}

export interface BarGroup {
  key: string;
  label: string;
  color: string;
  /** One value per class; null where a class has no examples. */
  values: readonly (number | null)[];
}

export interface GroupedBarsOptions {
  id: string;
  title: string;
  labels: readonly string[];
  groups: readonly BarGroup[];
  /** The value at the bottom of the axis; bars start there, so small differences near 1 stay visible. */
  axisMin: number;
  axisMax: number;
  formatValue: (value: number) => string;
  columnHeading: string;
}

/** Tick values from `min` to `max` at a round step, at most six of them. */
export function axisTicks(min: number, max: number): number[] {
  const span = max - min;
  const step = [0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1].find((candidate) => span / candidate <= 5) ?? span;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step - 1e-9) * step; value <= max + 1e-9; value += step) {
    ticks.push(Number(value.toFixed(6)));
  }
  return ticks;
}

/** Grouped vertical bars, one group per class, with a labelled axis and a table of the numbers. */
export function renderGroupedBars(options: GroupedBarsOptions): HTMLElement {
  const span = options.axisMax - options.axisMin;
  const position = (value: number): string => `${(Math.max(0, Math.min(1, (value - options.axisMin) / span)) * 100).toFixed(2)}%`;
  const ticks = axisTicks(options.axisMin, options.axisMax);

  const tickLabels = h('div', { class: 'axis-ticks', 'aria-hidden': 'true' });
  const plot = h('div', { class: 'grouped-plot' });
  for (const tick of ticks) {
    const label = h('span', { class: 'tick' }, options.formatValue(tick));
    label.style.bottom = position(tick);
    tickLabels.append(label);
    const line = h('div', { class: 'grid-line', 'aria-hidden': 'true' });
    line.style.bottom = position(tick);
    plot.append(line);
  }

  const groupLabels = h('div', { class: 'group-labels', 'aria-hidden': 'true' });
  options.labels.forEach((label, index) => {
    const group = h('div', { class: 'bar-group' });
    for (const one of options.groups) {
      const value = one.values[index];
      const bar = h('div', { class: 'bar', title: `${one.label}, ${options.columnHeading} ${label}: ${value === null ? t('no examples') : options.formatValue(value)}`, 'data-key': one.key });
      bar.style.height = value === null ? '0' : position(value);
      bar.style.backgroundColor = one.color;
      group.append(bar);
    }
    plot.append(group);
    groupLabels.append(h('span', {}, label));
  });

  const chart = h(
    'div',
    {
      class: 'grouped-bars',
      role: 'img',
      'aria-label': t('{0}, axis from {1} to {2}. The table lists the values.', options.title, options.formatValue(options.axisMin), options.formatValue(options.axisMax)),
      'data-testid': options.id,
    },
    tickLabels,
    plot,
    h('span', { class: 'corner' }),
    groupLabels,
  );

  const legend = h(
    'div',
    { class: 'legend' },
    ...options.groups.map((one) => {
      const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      swatch.style.backgroundColor = one.color;
      return h('span', { class: 'legend-item' }, swatch, one.label);
    }),
  );

  const table = tableToggle(options.title, () =>
    dataTable(
      options.title,
      [options.columnHeading, ...options.groups.map((one) => one.label)],
      options.labels.map((label, index) => [label, ...options.groups.map((one) => (one.values[index] === null ? t('n/a') : options.formatValue(one.values[index] as number)))]),
    ),
  `${options.id}-table`);

  return h('figure', { class: 'grouped-figure' }, h('figcaption', {}, options.title), legend, chart, table);
}
