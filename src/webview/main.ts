// Entry of the webview bundle. The host's page names its view (results or compare) and its runs
// in the body's data-state. The page sends `webview/ready`, then renders the host's snapshot and
// the live events that follow it.
// The host also writes the display language's translations into the body's data-l10n, so the
// first render is already in that language.

import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import 'uplot/dist/uPlot.min.css';

import { isComparePanelState, isHostToWebviewMessage, isResultsPanelState, maxWebviewErrorLength, type PanelState } from '../protocol/webview';
import { setTranslations, t } from './l10n';
import { setFormatLanguage } from './model/format';
import { readCompareCharts, readResultsUi, type ChartSettingsState } from './model/uiState';
import { ComparePage } from './views/comparePage';
import { ResultsPage } from './views/resultsPage';
import { vscodeApi } from './vscodeApi';

function reportError(message: string): void {
  vscodeApi().postMessage({ type: 'webview/error', message: message.slice(0, maxWebviewErrorLength) });
}

/**
 * Returns the panel's identity, which the host writes into the page. It wins over a saved state,
 * because the host may reuse a panel for other runs.
 */
function pageState(): PanelState | undefined {
  try {
    const fromPage: unknown = JSON.parse(document.body.dataset.state ?? 'null');
    return isResultsPanelState(fromPage) || isComparePanelState(fromPage) ? fromPage : undefined;
  } catch {
    return undefined;
  }
}

/** Returns the translations that the host wrote into the page, or none when they are missing or invalid. */
function pageTranslations(): unknown {
  try {
    return JSON.parse(document.body.dataset.l10n ?? '{}');
  } catch {
    return {};
  }
}

/** Returns the saved state when it belongs to the same runs, so view settings carry over only to the same panel. */
function savedStateFor(state: PanelState): unknown {
  const saved = vscodeApi().getState();
  if (state.view === 'results') {
    return isResultsPanelState(saved) && saved.runId === state.runId ? saved : undefined;
  }
  return isComparePanelState(saved) && saved.runIds.join('\n') === state.runIds.join('\n') ? saved : undefined;
}

function start(): void {
  const api = vscodeApi();
  const root = document.getElementById('app') as HTMLElement;
  setFormatLanguage(document.documentElement.lang || 'en');
  setTranslations(pageTranslations());
  window.addEventListener('error', (event) => reportError(`${event.message} (${event.filename}:${event.lineno})`));
  window.addEventListener('unhandledrejection', (event) => reportError(String(event.reason)));

  const state = pageState();
  if (state === undefined) {
    root.textContent = t('This panel does not name a run. Close it and open the results again from the experiments view.');
    reportError('The webview page has no valid data-state.');
    return;
  }

  const saved = savedStateFor(state);
  if (state.view === 'results') {
    const ui = readResultsUi(saved);
    const save = (): void => api.setState({ ...state, ui });
    save();
    const page = new ResultsPage(root, state.runId, ui, save);
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (isHostToWebviewMessage(message) && message.type.startsWith('results/')) {
        page.receive(message as Parameters<ResultsPage['receive']>[0]);
      }
    });
  } else {
    const charts: Record<string, ChartSettingsState> = readCompareCharts(saved);
    const save = (next: Record<string, ChartSettingsState>): void => api.setState({ ...state, ui: { charts: next } });
    save(charts);
    const page = new ComparePage(root, charts, save, (runId) => api.postMessage({ type: 'webview/openRun', runId }));
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const message = event.data;
      if (isHostToWebviewMessage(message) && message.type.startsWith('compare/')) {
        page.receive(message as Parameters<ComparePage['receive']>[0]);
      }
    });
  }

  api.postMessage({ type: 'webview/ready' });
}

start();
