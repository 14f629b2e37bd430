// Chart colours from the `--vscode-*` variables that VS Code sets on the webview's <html> element,
// so the charts follow light, dark and high-contrast themes. Canvas drawing needs concrete
// colours, so they are read with getComputedStyle and read again when the theme changes.

import type { ModelRole } from '../../config/types';

export interface ChartTheme {
  foreground: string;
  mutedForeground: string;
  grid: string;
  background: string;
  fontFamily: string;
  roles: Record<ModelRole, string>;
  /** Colours of ensemble members' curves, in member order, repeated when there are more members. */
  members: string[];
  /** Colours of the compare view's runs, in run order. */
  palette: string[];
}

function variable(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/**
 * Returns a CSS colour with its alpha multiplied by `factor`, for grid lines that should sit
 * behind the data. The browser parses the colour, so any CSS colour syntax works.
 */
export function withAlpha(color: string, factor: number): string {
  const probe = document.createElement('span');
  probe.style.color = color;
  document.body.append(probe);
  const parsed = getComputedStyle(probe).color;
  probe.remove();
  const match = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?\s*\)/.exec(parsed);
  if (match === null) {
    return color;
  }
  const alpha = match[4] === undefined ? 1 : Number(match[4]);
  return `rgba(${match[1]}, ${match[2]}, ${match[3]}, ${(alpha * factor).toFixed(3)})`;
}

export function readTheme(): ChartTheme {
  const blue = variable('--vscode-charts-blue', '#3794ff');
  const orange = variable('--vscode-charts-orange', '#d18616');
  const green = variable('--vscode-charts-green', '#89d185');
  const red = variable('--vscode-charts-red', '#f14c4c');
  const purple = variable('--vscode-charts-purple', '#b180d7');
  const yellow = variable('--vscode-charts-yellow', '#cca700');
  const foreground = variable('--vscode-charts-foreground', variable('--vscode-foreground', '#cccccc'));
  return {
    foreground,
    mutedForeground: variable('--vscode-descriptionForeground', foreground),
    // charts-lines is meant for axes; grid lines at half its opacity stay behind the series.
    grid: withAlpha(variable('--vscode-charts-lines', 'rgba(128, 128, 128, 0.5)'), 0.5),
    background: variable('--vscode-editor-background', '#1e1e1e'),
    fontFamily: variable('--vscode-font-family', 'sans-serif'),
    roles: { teacher: blue, distilled: orange, baseline: green },
    // Yellow comes last because on dark themes it is hard to tell from the distilled student's orange.
    members: [purple, red, foreground, yellow],
    palette: [blue, orange, green, red, purple, yellow, foreground, variable('--vscode-charts-lines', '#808080')],
  };
}

/**
 * Calls `onChange` when VS Code switches themes: it replaces the body's `vscode-light`,
 * `vscode-dark` or `vscode-high-contrast` class and the variables in the <html> style attribute.
 */
export function onThemeChange(onChange: () => void): () => void {
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) {
      return;
    }
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onChange();
    });
  });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
