// Problems of config files in the Problems panel and as squiggles. The checks are the worker's:
// checkConfigText, which also checks the data and model files that the config names. They run
// when a config file is opened, edited (debounced) or saved, and before a run starts.

import * as path from 'node:path';

import * as vscode from 'vscode';

import { checkConfigText as checkConfigFileText } from '../config/parse';
import type { ConfigProblem } from '../config/problems';
import type { Localizer } from './format';
import { isConfigFileName } from './runs/configDiscovery';
import { toZeroBasedRange, type LocatedProblem } from './problemRanges';

/** Milliseconds without an edit before an edited config is checked again. */
const editDebounceMs = 400;

export const DIAGNOSTIC_SOURCE = 'distill';

export function isConfigDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && isConfigFileName(document.uri.fsPath);
}

export function toRange(problem: LocatedProblem): vscode.Range {
  const range = toZeroBasedRange(problem);
  return new vscode.Range(range.startLine, range.startCharacter, range.endLine, range.endCharacter);
}

/** Parses and checks a config's text, the files it names included, in one pass. Returns the problems in file order. */
export function checkConfigText(text: string, filePath: string): ConfigProblem[] {
  return checkConfigFileText(text, filePath).problems;
}

export class ConfigDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly pendingChecks = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((document) => this.checkIfConfig(document)),
      vscode.workspace.onDidSaveTextDocument((document) => this.checkIfConfig(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.scheduleCheck(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.cancelScheduledCheck(document.uri);
        this.collection.delete(document.uri);
      }),
    );
    vscode.workspace.textDocuments.forEach((document) => this.checkIfConfig(document));
  }

  /** Checks a config document now, publishes its problems and returns them. */
  check(document: vscode.TextDocument): ConfigProblem[] {
    this.cancelScheduledCheck(document.uri);
    const problems = checkConfigText(document.getText(), document.uri.fsPath);
    this.publish(document.uri, problems);
    return problems;
  }

  /** Replaces the diagnostics of a file, such as with the problems of the worker's run/rejected event. */
  publish(uri: vscode.Uri, problems: readonly LocatedProblem[]): void {
    const diagnostics = problems.map((problem) => {
      const severity = problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      const diagnostic = new vscode.Diagnostic(toRange(problem), problem.message, severity);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      return diagnostic;
    });
    this.collection.set(uri, diagnostics);
  }

  private checkIfConfig(document: vscode.TextDocument): void {
    if (isConfigDocument(document)) {
      this.check(document);
    }
  }

  private scheduleCheck(document: vscode.TextDocument): void {
    if (!isConfigDocument(document)) {
      return;
    }
    this.cancelScheduledCheck(document.uri);
    const timer = setTimeout(() => {
      this.pendingChecks.delete(document.uri.toString());
      if (!document.isClosed) {
        this.check(document);
      }
    }, editDebounceMs);
    this.pendingChecks.set(document.uri.toString(), timer);
  }

  private cancelScheduledCheck(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pendingChecks.get(key));
    this.pendingChecks.delete(key);
  }

  dispose(): void {
    this.pendingChecks.forEach((timer) => clearTimeout(timer));
    this.pendingChecks.clear();
    this.disposables.forEach((disposable) => disposable.dispose());
  }
}

/** Opens a file with the range of a problem selected and scrolled into view. */
export async function revealProblem(uri: vscode.Uri, problem: LocatedProblem): Promise<void> {
  const range = toRange(problem);
  await vscode.window.showTextDocument(uri, { selection: range, preview: false });
}

/** Shows an error that names a config's errors, with a Show problem action that opens the first one. */
export async function showConfigErrors(uri: vscode.Uri, errors: readonly LocatedProblem[], l10n: Localizer): Promise<void> {
  const first = errors[0];
  if (first === undefined) {
    return;
  }
  const fileName = path.basename(uri.fsPath);
  const message =
    errors.length === 1
      ? l10n.t('Cannot start {0}: the config has an error at line {1}: {2}', fileName, first.line, first.message)
      : l10n.t('Cannot start {0}: the config has {1} errors. The first, at line {2}: {3}', fileName, errors.length, first.line, first.message);
  const showProblem = l10n.t('Show problem');
  const choice = await vscode.window.showErrorMessage(message, showProblem);
  if (choice === showProblem) {
    await revealProblem(uri, first);
  }
}
