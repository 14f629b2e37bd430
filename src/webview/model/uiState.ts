// The view settings that a results or compare webview keeps with VS Code's setState, so they
// survive the panel being hidden or the window being reloaded. The saved object is read back
// untrusted: any field of the wrong type falls back to its default.

import type { ModelRole } from '../../config/types';
import type { ExampleFilter } from './softened';

/** Settings of one chart: log scale on or off, and the series the user switched off. */
export interface ChartSettingsState {
  logScale: boolean;
  hidden: string[];
}

export interface ResultsUiState {
  /** Index of the selected tab. */
  tab: number;
  /** Temperature of the soft-targets tab; undefined means the run's own. */
  temperature?: number;
  /** Index of the example in the stored subset. */
  example: number;
  filter: ExampleFilter;
  charts: Record<string, ChartSettingsState>;
}

export function defaultResultsUi(): ResultsUiState {
  return { tab: 0, example: 0, filter: { kind: 'all' }, charts: {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const roles: readonly string[] = ['teacher', 'distilled', 'baseline', 'any'];

function readFilter(value: unknown): ExampleFilter {
  if (isRecord(value)) {
    if (value.kind === 'misclassified' && typeof value.role === 'string' && roles.includes(value.role)) {
      return { kind: 'misclassified', role: value.role as ModelRole | 'any' };
    }
    if (value.kind === 'class' && Number.isInteger(value.label) && (value.label as number) >= 0) {
      return { kind: 'class', label: value.label as number };
    }
  }
  return { kind: 'all' };
}

function readCharts(value: unknown): Record<string, ChartSettingsState> {
  const charts: Record<string, ChartSettingsState> = {};
  if (!isRecord(value)) {
    return charts;
  }
  for (const [id, settings] of Object.entries(value)) {
    if (isRecord(settings) && typeof settings.logScale === 'boolean' && Array.isArray(settings.hidden) && settings.hidden.every((key) => typeof key === 'string')) {
      charts[id] = { logScale: settings.logScale, hidden: settings.hidden as string[] };
    }
  }
  return charts;
}

/** Reads the `ui` field of a saved webview state. */
export function readResultsUi(saved: unknown): ResultsUiState {
  const ui = isRecord(saved) && isRecord(saved.ui) ? saved.ui : {};
  const defaults = defaultResultsUi();
  return {
    tab: Number.isInteger(ui.tab) && (ui.tab as number) >= 0 && (ui.tab as number) < 4 ? (ui.tab as number) : defaults.tab,
    temperature: typeof ui.temperature === 'number' && ui.temperature > 0 ? ui.temperature : undefined,
    example: Number.isInteger(ui.example) && (ui.example as number) >= 0 ? (ui.example as number) : defaults.example,
    filter: readFilter(ui.filter),
    charts: readCharts(ui.charts),
  };
}

/** Reads the chart settings of a saved compare state. */
export function readCompareCharts(saved: unknown): Record<string, ChartSettingsState> {
  return isRecord(saved) && isRecord(saved.ui) ? readCharts(saved.ui.charts) : {};
}
