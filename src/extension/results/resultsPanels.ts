// Opens and reveals one results panel per run id, the compare panel, and restores both after a
// window reload through webview panel serializers.

import * as vscode from 'vscode';

import type { WorkerEvent } from '../../protocol/messages';
import { isComparePanelState, isResultsPanelState, isRunId, maxComparedRuns } from '../../protocol/webview';
import { ComparePanel } from './comparePanel';
import { compareViewType, resultsViewType, type ResultsLog } from './panelContent';
import { ResultsPanel } from './resultsPanel';

export class ResultsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  private comparePanel: ComparePanel | undefined;

  /**
   * @param resolveRunDir returns the absolute folder of a run id, or undefined when no such run
   *   exists. Webviews send only run ids, so this is the only way from a message to a path.
   */
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly resolveRunDir: (runId: string) => string | undefined,
    private readonly log: ResultsLog,
  ) {}

  /** Reveals the run's results panel, or opens one beside the editor. */
  open(runId: string): void {
    const existing = this.panels.get(runId);
    if (existing !== undefined) {
      existing.reveal();
      return;
    }

    const runDir = isRunId(runId) ? this.resolveRunDir(runId) : undefined;
    if (runDir === undefined) {
      this.log('error', `Cannot open the results of run ${runId}: no run folder of that name was found.`);
      void vscode.window.showErrorMessage(vscode.l10n.t('Run {0} was not found. Refresh the experiments view and pick a run from it.', runId));
      return;
    }
    const panel = ResultsPanel.create(runId, runDir, resultsTitle(runId), this.context.extensionUri, this.log, () => this.panels.delete(runId));
    this.panels.set(runId, panel);
    this.log('info', `Opened the results panel of run ${runId}.`);
  }

  /**
   * Passes on an event that the run manager received. The panel reads the run's events.jsonl,
   * where the worker wrote the event before sending it, so the event's own fields are not used.
   */
  pushEvent(runId: string, event: WorkerEvent): void {
    if (event.type === 'run/rejected') {
      return;
    }
    this.panels.get(runId)?.requestRefresh();
    if (this.comparePanel?.includes(runId) === true) {
      this.comparePanel.requestRefresh();
    }
  }

  /** Shows runs side by side in the compare panel, opening it when needed; at most maxComparedRuns runs. */
  compare(runIds: string[]): void {
    const valid = [...new Set(runIds.filter(isRunId))];
    if (valid.length < 2) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Select at least two runs to compare.'));
      return;
    }
    if (valid.length > maxComparedRuns) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Only the first {0} of the {1} selected runs are compared.', maxComparedRuns, valid.length));
    }

    const shown = valid.slice(0, maxComparedRuns);
    if (this.comparePanel !== undefined) {
      this.comparePanel.show(shown);
      return;
    }
    this.comparePanel = ComparePanel.create(shown, this.context.extensionUri, this.resolveRunDir, this.log, (runId) => this.open(runId), () => {
      this.comparePanel = undefined;
    });
    this.log('info', `Opened the compare panel for runs ${shown.join(', ')}.`);
  }

  /** Restores a results panel after a window reload; a panel whose state is invalid is closed. */
  reviveResults(panel: vscode.WebviewPanel, state: unknown): void {
    if (!isResultsPanelState(state) || this.panels.has(state.runId)) {
      this.log('warn', 'Closed a restored results panel whose saved state names no run, or a run that is open already.');
      panel.dispose();
      return;
    }
    const runId = state.runId;
    panel.title = resultsTitle(runId);
    const revived = new ResultsPanel(runId, this.resolveRunDir(runId), panel, this.context.extensionUri, this.log, () => this.panels.delete(runId));
    this.panels.set(runId, revived);
    this.log('info', `Restored the results panel of run ${runId}.`);
  }

  reviveCompare(panel: vscode.WebviewPanel, state: unknown): void {
    if (!isComparePanelState(state) || this.comparePanel !== undefined) {
      this.log('warn', 'Closed a restored compare panel whose saved state names no runs, or a second compare panel.');
      panel.dispose();
      return;
    }
    this.comparePanel = new ComparePanel(state.runIds, panel, this.context.extensionUri, this.resolveRunDir, this.log, (runId) => this.open(runId), () => {
      this.comparePanel = undefined;
    });
    this.log('info', `Restored the compare panel for runs ${state.runIds.join(', ')}.`);
  }

  dispose(): void {
    [...this.panels.values()].forEach((panel) => panel.dispose());
    this.panels.clear();
    this.comparePanel?.dispose();
  }
}

/** Returns the title of a results panel: the run id, which contains the config's name after its timestamp. */
function resultsTitle(runId: string): string {
  return vscode.l10n.t('Results: {0}', runId);
}

/**
 * Registers the serializers that restore the results and compare panels after a window reload.
 * Call it during activation; package.json needs the activation events
 * `onWebviewPanel:distill.results` and `onWebviewPanel:distill.compare`.
 */
export function registerResultsSerializer(panels: ResultsPanels): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.window.registerWebviewPanelSerializer(resultsViewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => panels.reviveResults(panel, state),
    }),
    vscode.window.registerWebviewPanelSerializer(compareViewType, {
      deserializeWebviewPanel: async (panel, state: unknown) => panels.reviveCompare(panel, state),
    }),
  );
}
