// CSS colours of the three models in HTML views; the same theme variables as the uPlot charts.

import type { ModelRole } from '../../config/types';

export const roleColors: Record<ModelRole, string> = {
  teacher: 'var(--vscode-charts-blue)',
  distilled: 'var(--vscode-charts-orange)',
  baseline: 'var(--vscode-charts-green)',
};
