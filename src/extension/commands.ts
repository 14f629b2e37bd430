// The `distill.*` commands of the palette, the experiments tree, the CodeLens and the status bar.
// Each command takes the arguments that VS Code passes from where it was invoked (a tree item and
// the selection, a file Uri, a run folder) and shows a quick pick for anything missing.

import { existsSync } from 'node:fs';

import * as vscode from 'vscode';

import { createConfig } from './createConfig';
import { exportModel, type ExportTarget } from './exportModel';
import type { Localizer } from './format';
import { pickRun, pickRuns, runFromArgument, runsFromArguments } from './runPicker';
import { isRunLive } from './runs/runIndex';
import type { RunHandle, RunManager } from './runs/runManager';
import type { ExperimentRun, RunsModel } from './runsModel';
import { requireTrust, type RunStarter } from './startRun';
import type { SweepSessions } from './sweeps/sweepSessions';
import type { ExperimentNode } from './views/experimentsTree';
import type { ResultsDocuments } from './views/resultsDocument';

/** Opens results and comparisons of run folders. */
export interface ResultsOpener {
  openResults(runDir: string): Promise<void>;
  compareRuns(runDirs: string[]): Promise<void>;
}

export interface CommandDependencies {
  manager: RunManager;
  runs: RunsModel;
  starter: RunStarter;
  /** Opens the results webview panels. */
  results: ResultsOpener;
  /** Generates the Markdown reports. */
  reports: ResultsDocuments;
  log: vscode.LogOutputChannel;
  l10n: Localizer;
  /** Absolute path of the extension's examples/ folder. */
  examplesDir: string;
  /** Called after Create config wrote a file, to update the `distill.hasConfig` context key. */
  onConfigCreated: () => void;
  /** The sweeps this window runs, for Cancel. */
  sweeps?: SweepSessions;
}

const hasResults = (run: ExperimentRun): boolean => Object.keys(run.record.summary?.models ?? {}).length > 0;

export function registerCommands(deps: CommandDependencies): vscode.Disposable[] {
  const commands = new DistillCommands(deps);
  const register = (id: string, handler: (...args: unknown[]) => Promise<unknown>): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        deps.log.error(`Command ${id} failed: ${error instanceof Error && error.stack !== undefined ? error.stack : message}`);
        void vscode.window.showErrorMessage(deps.l10n.t('{0} failed: {1}', id, message));
        return undefined;
      }
    });

  return [
    register('distill.startRun', (argument) => commands.startRun(argument)),
    register('distill.cancelRun', (argument) => commands.cancelRun(argument)),
    register('distill.openResults', (argument) => commands.openResults(argument)),
    register('distill.openReport', (argument) => commands.openReport(argument)),
    register('distill.compareRuns', (argument, selection) => commands.compareRuns(argument, selection)),
    register('distill.createConfig', () => commands.createConfig()),
    register('distill.rerun', (argument) => commands.rerun(argument)),
    register('distill.deleteRun', (argument, selection) => commands.deleteRuns(argument, selection)),
    register('distill.revealRun', (argument) => commands.revealRun(argument)),
    register('distill.exportStudent', (argument) => commands.exportStudent(argument)),
  ];
}

class DistillCommands {
  constructor(private readonly deps: CommandDependencies) {}

  /** From the palette: no argument. From the editor title, the explorer or a CodeLens: the config's Uri. */
  async startRun(argument: unknown): Promise<RunHandle | undefined> {
    return this.deps.starter.startRun(argument instanceof vscode.Uri ? argument : undefined);
  }

  async cancelRun(argument: unknown): Promise<void> {
    const { manager, runs, l10n } = this.deps;
    const node = argument as ExperimentNode | undefined;
    if (node?.kind === 'pending') {
      manager.cancel(node.pending.handle.key);
      return;
    }
    if (this.cancelSweep(argument)) {
      return;
    }

    const run = runFromArgument(argument, runs);
    if (run !== undefined) {
      if (run.handle !== undefined) {
        manager.cancel(run.handle.key);
      } else {
        const pid = run.record.summary?.pid;
        void vscode.window.showWarningMessage(
          pid === undefined
            ? l10n.t('Run {0} was not started from this window, so it cannot be cancelled here.', run.record.runId)
            : l10n.t('Run {0} was not started from this window, so it cannot be cancelled here. Its worker is process {1}.', run.record.runId, pid),
        );
      }
      return;
    }

    const active = manager.handles().filter((handle) => handle.state !== 'finished');
    const liveSweeps = this.deps.sweeps?.live() ?? [];
    if (active.length === 0 && liveSweeps.length === 1) {
      liveSweeps[0].cancel();
      return;
    }
    if (liveSweeps.length > 0) {
      const choices = [
        ...liveSweeps.map((runner) => ({ label: runner.summary.name, description: l10n.t('sweep {0}', runner.sweepId), cancel: () => runner.cancel() })),
        ...active.map((handle) => ({ label: runs.nameOf(handle), description: handle.runId ?? l10n.t('starting'), cancel: () => manager.cancel(handle.key) })),
      ];
      const chosen = await vscode.window.showQuickPick(choices, { placeHolder: l10n.t('Select the run to cancel') });
      chosen?.cancel();
      return;
    }
    if (active.length === 0) {
      void vscode.window.showInformationMessage(l10n.t('No run is running or queued in this window.'));
      return;
    }
    if (active.length === 1) {
      manager.cancel(active[0].key);
      return;
    }
    const items = active.map((handle) => ({
      label: runs.nameOf(handle),
      description: handle.state === 'queued' ? l10n.t('queued') : (handle.runId ?? l10n.t('starting')),
      handle,
    }));
    const picked = await vscode.window.showQuickPick(items, { placeHolder: l10n.t('Select the run to cancel') });
    if (picked !== undefined) {
      manager.cancel(picked.handle.key);
    }
  }

  /**
   * Cancels the sweep of a sweep node, or of a child run's node, when this window runs it. Returns
   * false when the argument is neither.
   */
  private cancelSweep(argument: unknown): boolean {
    const { sweeps, runs, l10n } = this.deps;
    const node = argument as ExperimentNode | undefined;
    const sweepId = node?.kind === 'sweep' ? node.sweepId : runFromArgument(argument, runs)?.record.summary?.sweep?.sweepId;
    if (sweepId === undefined) {
      return false;
    }
    if (sweeps?.cancel(sweepId) !== true) {
      void vscode.window.showWarningMessage(l10n.t('Sweep {0} is not running in this window, so it cannot be cancelled here.', sweepId));
    }
    return true;
  }

  async openResults(argument: unknown): Promise<void> {
    const { runs, results, l10n } = this.deps;
    const run = runFromArgument(argument, runs) ?? (await pickRun(runs, l10n, l10n.t('Select the run whose results to open')));
    if (run !== undefined) {
      await results.openResults(run.record.runDir);
    }
  }

  async openReport(argument: unknown): Promise<void> {
    const { runs, reports, l10n } = this.deps;
    const run = runFromArgument(argument, runs) ?? (await pickRun(runs, l10n, l10n.t('Select the run whose report to open')));
    if (run !== undefined) {
      await reports.openResults(run.record.runDir);
    }
  }

  async compareRuns(argument: unknown, selection: unknown): Promise<void> {
    const { runs, results, l10n } = this.deps;
    let chosen = runsFromArguments(argument, selection, runs).filter(hasResults);
    if (chosen.length < 2) {
      const picked = await pickRuns(runs, l10n, l10n.t('Select two or more runs to compare'), hasResults, chosen);
      if (picked === undefined) {
        return;
      }
      chosen = picked;
    }
    if (chosen.length < 2) {
      void vscode.window.showWarningMessage(l10n.t('Select at least two runs with results to compare them.'));
      return;
    }
    await results.compareRuns(chosen.map((run) => run.record.runDir));
  }

  async createConfig(): Promise<void> {
    const { examplesDir, log, l10n, onConfigCreated } = this.deps;
    const written = await createConfig(examplesDir, log, l10n);
    if (written !== undefined) {
      onConfigCreated();
    }
  }

  /** Starts the run's config file again, with the file's current content. */
  async rerun(argument: unknown): Promise<void> {
    const { runs, starter, l10n } = this.deps;
    if (!(await requireTrust(l10n))) {
      return;
    }
    const run = runFromArgument(argument, runs) ?? (await pickRun(runs, l10n, l10n.t('Select the run to start again'), (candidate) => candidate.record.configPath !== undefined));
    if (run === undefined) {
      return;
    }
    const configPath = run.record.configPath;
    if (configPath === undefined || !existsSync(configPath)) {
      void vscode.window.showErrorMessage(
        configPath === undefined
          ? l10n.t('Run {0} does not record its config file, so it cannot be started again. Start its config with Distill: Start Run.', run.record.runId)
          : l10n.t('The config file of run {0} no longer exists: {1}. Start another config with Distill: Start Run.', run.record.runId, configPath),
      );
      return;
    }
    await starter.startConfig(vscode.Uri.file(configPath));
  }

  private isLive(run: ExperimentRun): boolean {
    const { manager } = this.deps;
    return run.handle !== undefined || isRunLive(run.record, (runId) => manager.isTracked(runId));
  }

  async deleteRuns(argument: unknown, selection: unknown): Promise<void> {
    const { runs, log, l10n } = this.deps;
    let chosen = runsFromArguments(argument, selection, runs);
    if (chosen.length === 0) {
      const picked = await pickRun(runs, l10n, l10n.t('Select the run to delete'), (run) => !this.isLive(run));
      if (picked === undefined) {
        return;
      }
      chosen = [picked];
    }

    const live = chosen.filter((run) => this.isLive(run));
    if (live.length > 0) {
      void vscode.window.showErrorMessage(
        l10n.t('Cannot delete {0} while it runs. Cancel it first, then delete it.', live.map((run) => run.record.runId).join(', ')),
      );
      return;
    }

    const deleteAction = l10n.t('Delete');
    const question =
      chosen.length === 1
        ? l10n.t('Delete run {0}? Its folder {1} is removed with its models and logs. This cannot be undone.', chosen[0].record.runId, chosen[0].record.runDir)
        : l10n.t('Delete {0} runs? Their folders are removed with their models and logs. This cannot be undone.', chosen.length);
    const choice = await vscode.window.showWarningMessage(question, { modal: true }, deleteAction);
    if (choice !== deleteAction) {
      return;
    }

    for (const run of chosen) {
      try {
        await vscode.workspace.fs.delete(vscode.Uri.file(run.record.runDir), { recursive: true, useTrash: false });
        runs.forget(run.record.runDir);
        log.info(`[${run.record.runId}] Deleted ${run.record.runDir}.`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log.error(`[${run.record.runId}] Deleting ${run.record.runDir} failed: ${message}`);
        void vscode.window.showErrorMessage(l10n.t('Deleting run {0} failed: {1}', run.record.runId, message));
      }
    }
    runs.reload();
  }

  async revealRun(argument: unknown): Promise<void> {
    const { runs, log, l10n } = this.deps;
    const run = runFromArgument(argument, runs) ?? (await pickRun(runs, l10n, l10n.t('Select the run folder to reveal')));
    if (run === undefined) {
      return;
    }
    const uri = vscode.Uri.file(run.record.runDir);
    // revealFileInOS opens the file manager of the machine the window runs on, so it only fits a
    // desktop window whose workspace is on that machine.
    const isLocalDesktop = vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop;
    if (isLocalDesktop) {
      try {
        await vscode.commands.executeCommand('revealFileInOS', uri);
        return;
      } catch (error) {
        log.warn(`[${run.record.runId}] revealFileInOS failed, revealing in the Explorer instead: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await vscode.commands.executeCommand('revealInExplorer', uri);
  }

  async exportStudent(argument: unknown): Promise<void> {
    const { runs, log, l10n } = this.deps;
    const node = argument as ExperimentNode | undefined;
    let target: ExportTarget | undefined;
    if (node?.kind === 'model') {
      target = { role: node.role, member: node.model.kind === 'member' ? node.model.member : undefined, adjusted: node.model.kind === 'adjusted' };
    }
    const run = runFromArgument(argument, runs) ?? (await pickRun(runs, l10n, l10n.t('Select the run whose model to export'), hasResults));
    if (run !== undefined) {
      await exportModel(run, target, log, l10n);
    }
  }
}
