// Resolution of the runs a command acts on: the tree items it was invoked on, a run folder passed
// by a CodeLens or the status bar, or the user's pick from a quick pick.

import * as vscode from 'vscode';

import { formatDateTime, type Localizer } from './format';
import type { ExperimentRun, RunsModel } from './runsModel';
import type { ExperimentNode } from './views/experimentsTree';
import { errorsComparison, statusLabel } from './views/runLabels';

function isExperimentNode(value: unknown): value is ExperimentNode {
  return typeof value === 'object' && value !== null && 'kind' in value && typeof (value as { kind: unknown }).kind === 'string';
}

/** Returns the run that a command argument names: a run or model item, a run folder path or Uri, or a run id. */
export function runFromArgument(argument: unknown, runs: RunsModel): ExperimentRun | undefined {
  if (isExperimentNode(argument)) {
    if (argument.kind === 'run' || argument.kind === 'model') {
      return runs.findRun(argument.run.record.runDir) ?? argument.run;
    }
    if (argument.kind === 'sweep') {
      // A sweep opens as its first child run, whose results panel has the Sweep tab.
      return argument.runs[0];
    }
    return undefined;
  }
  if (argument instanceof vscode.Uri && argument.scheme === 'file') {
    return runs.findRun(argument.fsPath);
  }
  if (typeof argument === 'string') {
    return runs.findRun(argument);
  }
  return undefined;
}

/**
 * Returns the runs of a tree command: VS Code passes the clicked item and, when several items
 * are selected, all of them as the second argument.
 */
export function runsFromArguments(argument: unknown, selection: unknown, runs: RunsModel): ExperimentRun[] {
  const candidates = Array.isArray(selection) && selection.length > 0 ? selection : [argument];
  const found = new Map<string, ExperimentRun>();
  for (const candidate of candidates) {
    const run = runFromArgument(candidate, runs);
    if (run !== undefined) {
      found.set(run.record.runDir, run);
    }
  }
  return [...found.values()];
}

interface RunPickItem extends vscode.QuickPickItem {
  run: ExperimentRun;
}

function toPickItem(run: ExperimentRun, l10n: Localizer): RunPickItem {
  const { record } = run;
  const started = record.startedAt === undefined ? record.runId : formatDateTime(record.startedAt, l10n);
  return {
    label: record.name,
    description: `${started} · ${statusLabel(record.status, l10n)}`,
    detail: errorsComparison(record.summary, l10n) ?? record.runId,
    run,
  };
}

/** Asks for one run among those that `filter` accepts, newest first; undefined when there is none or the user cancels. */
export async function pickRun(
  runs: RunsModel,
  l10n: Localizer,
  placeHolder: string,
  filter: (run: ExperimentRun) => boolean = () => true,
): Promise<ExperimentRun | undefined> {
  const candidates = runs.runs().filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(l10n.t('No run fits this command yet.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((run) => toPickItem(run, l10n)),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.run;
}

/** Asks for several runs, with `preselected` checked; undefined when the user cancels. */
export async function pickRuns(
  runs: RunsModel,
  l10n: Localizer,
  placeHolder: string,
  filter: (run: ExperimentRun) => boolean,
  preselected: readonly ExperimentRun[],
): Promise<ExperimentRun[] | undefined> {
  const selectedDirs = new Set(preselected.map((run) => run.record.runDir));
  const items = runs
    .runs()
    .filter(filter)
    .map((run) => ({ ...toPickItem(run, l10n), picked: selectedDirs.has(run.record.runDir) }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(l10n.t('No run fits this command yet.'));
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder, canPickMany: true, matchOnDescription: true, matchOnDetail: true });
  return picked?.map((item) => item.run);
}
