// Results as generated Markdown documents in VS Code's Markdown preview, beside the editor:
// one run's report, or several runs side by side. "Distill: Open Report" shows them, a text
// version of the results panels that can be copied or saved. The documents are virtual (scheme
// `distill-report`) and update while a run writes its summary.

import * as path from 'node:path';

import * as vscode from 'vscode';

import type { Localizer } from '../format';
import type { ExperimentRun, RunsModel } from '../runsModel';
import { renderComparison, renderRunReport, type ReportedRun } from './report';

export const REPORT_SCHEME = 'distill-report';

/** Query parameter that lists the run folders of a report, one per parameter. */
const runParameter = 'run';

export class ResultsDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly runs: RunsModel,
    private readonly l10n: Localizer,
  ) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this),
      // Open reports follow the runs as they change; closed documents are not regenerated.
      runs.onDidChange(() => {
        for (const document of vscode.workspace.textDocuments) {
          if (document.uri.scheme === REPORT_SCHEME) {
            this.changeEmitter.fire(document.uri);
          }
        }
      }),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const runDirs = new URLSearchParams(uri.query).getAll(runParameter);
    // Only run folders that the model lists are read, whatever folders the URI names.
    const found = runDirs.map((runDir) => this.runs.findRun(runDir)).filter((run): run is ExperimentRun => run !== undefined);
    const reported: ReportedRun[] = found.map((run) => ({ record: run.record, config: run.config }));
    if (reported.length === 0) {
      return this.l10n.t('The run folder no longer exists: {0}', runDirs.join(', '));
    }
    return runDirs.length === 1 ? renderRunReport(reported[0], this.l10n) : renderComparison(reported, this.l10n);
  }

  /** Opens the Markdown report of one run in the preview beside the editor. */
  async openResults(runDir: string): Promise<void> {
    const runId = path.basename(runDir);
    await this.showPreview(`/${runId}.md`, [runDir]);
  }

  /** Opens a Markdown table of several runs, side by side, in the preview beside the editor. */
  async compareRuns(runDirs: string[]): Promise<void> {
    const title = this.l10n.t('Comparison of {0} runs', runDirs.length);
    await this.showPreview(`/${title}.md`, runDirs);
  }

  private async showPreview(documentPath: string, runDirs: string[]): Promise<void> {
    const query = new URLSearchParams(runDirs.map((runDir): [string, string] => [runParameter, runDir])).toString();
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: documentPath, query });
    // The content of an open virtual document is cached: ask for the latest before showing it.
    this.changeEmitter.fire(uri);
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
  }

  dispose(): void {
    this.disposables.forEach((disposable) => disposable.dispose());
    this.changeEmitter.dispose();
  }
}
