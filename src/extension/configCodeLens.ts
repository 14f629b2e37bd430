// CodeLens above the top-level object of a config file: "▶ Start run", the count of the config's
// errors when it has some (opens the Problems panel), and the latest result of that config, which
// opens its report.

import { parseTree } from 'jsonc-parser';
import * as vscode from 'vscode';

import { DIAGNOSTIC_SOURCE } from './configDiagnostics';
import type { Localizer } from './format';
import type { RunsModel } from './runsModel';
import { describeProgress } from './runProgress';
import { CoalescingTimer } from './throttle';
import { latestRunLensTitle } from './views/runLabels';

export const CONFIG_DOCUMENT_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/distill.json' },
  { scheme: 'file', pattern: '**/*.distill.json' },
];

/** Returns the 0-based line of the top-level value, or 0 when the text has none that parses. */
export function topLevelLine(document: vscode.TextDocument): number {
  const root = parseTree(document.getText(), [], { allowTrailingComma: true, disallowComments: false });
  return root === undefined ? 0 : document.positionAt(root.offset).line;
}

/**
 * Minimum milliseconds between two CodeLens change events. VS Code 1.100 refreshes CodeLens
 * after a delay of about the provider's average response time (250 ms or more) and restarts
 * that delay on every change event. Live progress changes every 500 ms, and on a busy machine
 * those events kept the lens of a running config from refreshing until the run had ended.
 */
const changeEventIntervalMs = 2000;

export class ConfigCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly changeTimer = new CoalescingTimer(() => this.fireIfChanged(), changeEventIntervalMs);
  /** The lens titles last returned for each document, joined by newlines, keyed by Uri. */
  private readonly providedTitles = new Map<string, string>();
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly runs: RunsModel,
    private readonly l10n: Localizer,
  ) {
    this.disposables = [
      runs.onDidChange(() => this.changeTimer.schedule()),
      vscode.languages.onDidChangeDiagnostics(() => this.fireIfChanged()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changeEmitter.fire()),
      vscode.workspace.onDidCloseTextDocument((document) => this.providedTitles.delete(document.uri.toString())),
      this.changeEmitter,
    ];
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses = this.lensesFor(document);
    this.providedTitles.set(document.uri.toString(), joinTitles(lenses));
    return lenses;
  }

  private lensesFor(document: vscode.TextDocument): vscode.CodeLens[] {
    const line = topLevelLine(document);
    const range = new vscode.Range(line, 0, line, 0);
    const lenses: vscode.CodeLens[] = [];

    // In Restricted Mode runs cannot start, so the lens is left out rather than shown to fail.
    if (vscode.workspace.isTrusted) {
      lenses.push(new vscode.CodeLens(range, { title: this.l10n.t('▶ Start run'), command: 'distill.startRun', arguments: [document.uri] }));
    }

    // The extension's own errors only: VS Code's JSON service reports none (see the editor schema).
    const errors = vscode.languages
      .getDiagnostics(document.uri)
      .filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE && diagnostic.severity === vscode.DiagnosticSeverity.Error).length;
    if (errors > 0) {
      const title = errors === 1 ? this.l10n.t('⚠ 1 error') : this.l10n.t('⚠ {0} errors', errors);
      lenses.push(new vscode.CodeLens(range, { title, command: 'workbench.actions.view.problems' }));
    }

    const latest = this.runs.latestRunOf(document.uri.fsPath);
    if (latest !== undefined) {
      const { record, handle } = latest;
      const title =
        handle !== undefined
          ? this.l10n.t('Running {0}: {1}', record.runId, describeProgress(handle, latest.roles, this.l10n, latest.members))
          : latestRunLensTitle(record, this.l10n);
      lenses.push(new vscode.CodeLens(range, { title, command: 'distill.openResults', arguments: [record.runDir] }));
    }
    return lenses;
  }

  /** Fires onDidChangeCodeLenses when a document's lenses would now have other titles than those last returned. */
  private fireIfChanged(): void {
    for (const document of vscode.workspace.textDocuments) {
      const provided = this.providedTitles.get(document.uri.toString());
      if (provided !== undefined && !document.isClosed && provided !== joinTitles(this.lensesFor(document))) {
        this.changeEmitter.fire();
        return;
      }
    }
  }

  dispose(): void {
    this.changeTimer.dispose();
    this.disposables.forEach((disposable) => disposable.dispose());
  }
}

function joinTitles(lenses: readonly vscode.CodeLens[]): string {
  return lenses.map((lens) => lens.command?.title ?? '').join('\n');
}
