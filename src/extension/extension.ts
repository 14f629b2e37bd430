// Entry point of the VS Code extension: wires the run manager (workers in child processes), the
// runs model, the experiments tree, diagnostics, CodeLens, status bar and commands together.

import * as path from 'node:path';

import * as vscode from 'vscode';

import { registerCommands } from './commands';
import { ConfigCodeLensProvider, CONFIG_DOCUMENT_SELECTOR } from './configCodeLens';
import { ConfigDiagnostics } from './configDiagnostics';
import type { Localizer } from './format';
import { RunNotifications } from './runNotifications';
import { RunManager } from './runs/runManager';
import { RunsModel } from './runsModel';
import { parseSettings } from './settings';
import { findConfigFiles, RunStarter } from './startRun';
import { RunStatusBar } from './statusBar';
import { SweepSessions } from './sweeps/sweepSessions';
import { SweepsModel } from './sweeps/sweepsModel';
import { CoalescingTimer } from './throttle';
import { EXPERIMENTS_VIEW_ID, ExperimentsTreeProvider } from './views/experimentsTree';
import { registerResultsSerializer, ResultsPanels } from './results';
import { ResultsDocuments } from './views/resultsDocument';

/** The API that activate returns, for the integration tests. */
export interface DistillExtensionApi {
  readonly runManager: RunManager;
  readonly runs: RunsModel;
  readonly experiments: ExperimentsTreeProvider;
  readonly diagnostics: vscode.DiagnosticCollection;
}

function createLocalizer(): Localizer {
  return { language: vscode.env.language, t: (message, ...args) => vscode.l10n.t(message, ...args) };
}

function readSettings(): ReturnType<typeof parseSettings> {
  return parseSettings((key) => vscode.workspace.getConfiguration('distill').get(key));
}

export function activate(context: vscode.ExtensionContext): DistillExtensionApi {
  const l10n = createLocalizer();
  const log = vscode.window.createOutputChannel('Distill', { log: true });
  context.subscriptions.push(log);

  const settings = readSettings();
  const manager = new RunManager({
    workerPath: context.asAbsolutePath('dist/worker.js'),
    maxConcurrent: settings.maxConcurrentRuns,
    cancelGraceMs: settings.cancelGraceSeconds * 1000,
    log: (level, message) => log[level](message),
  });
  // Disposing the manager cancels this window's runs when the window closes or reloads.
  context.subscriptions.push({ dispose: () => manager.dispose() });

  const sweepSessions = new SweepSessions({
    workerPath: context.asAbsolutePath('dist/worker.js'),
    cancelGraceMs: settings.cancelGraceSeconds * 1000,
    log: (level, message) => log[level](message),
  });
  // Disposing the sessions cancels this window's sweeps when the window closes or reloads.
  context.subscriptions.push({ dispose: () => sweepSessions.dispose() });

  const runs = new RunsModel(manager, log, sweepSessions);
  const sweeps = new SweepsModel(sweepSessions, log);
  const diagnostics = new ConfigDiagnostics();
  const reports = new ResultsDocuments(runs, l10n);
  const panels = new ResultsPanels(context, (runId) => runs.findRun(runId)?.record.runDir, (level, message) => log[level](message));
  // Run folders are named by their run id, which is all a webview panel is given.
  const results = {
    openResults: async (runDir: string): Promise<void> => panels.open(path.basename(runDir)),
    compareRuns: async (runDirs: string[]): Promise<void> => panels.compare(runDirs.map((runDir) => path.basename(runDir))),
  };
  const openResults = results.openResults;
  const notifications = new RunNotifications({ manager, runs, diagnostics, log, l10n, openResults });
  const starter = new RunStarter({ manager, runs, diagnostics, notifications, log, l10n, sweeps: sweepSessions });
  const experiments = new ExperimentsTreeProvider(runs, l10n, sweeps);
  const treeView = vscode.window.createTreeView(EXPERIMENTS_VIEW_ID, {
    treeDataProvider: experiments,
    canSelectMany: true,
    showCollapseAll: true,
  });
  const codeLens = new ConfigCodeLensProvider(runs, l10n);
  context.subscriptions.push(
    runs,
    sweeps,
    diagnostics,
    reports,
    panels,
    registerResultsSerializer(panels),
    manager.onDidReceiveEvent(({ handle, event }) => {
      if (handle.runId !== undefined) {
        panels.pushEvent(handle.runId, event);
      }
    }),
    notifications,
    experiments,
    treeView,
    codeLens,
    vscode.languages.registerCodeLensProvider(CONFIG_DOCUMENT_SELECTOR, codeLens),
    new RunStatusBar(manager, runs, l10n),
  );

  const updateHasActiveRuns = (): void => {
    const active = manager.handles().some((handle) => handle.state !== 'finished') || sweepSessions.live().length > 0;
    void vscode.commands.executeCommand('setContext', 'distill.hasActiveRuns', active);
  };
  const configContext = new CoalescingTimer(() => void updateHasConfig(log), 1000);
  context.subscriptions.push(
    { dispose: () => configContext.dispose() },
    ...registerCommands({
      manager,
      runs,
      sweeps: sweepSessions,
      starter,
      results,
      reports,
      log,
      l10n,
      examplesDir: context.asAbsolutePath('examples'),
      onConfigCreated: () => configContext.schedule(),
    }),
  );

  const configWatcher = vscode.workspace.createFileSystemWatcher('**/{distill.json,*.distill.json}', false, true, false);
  context.subscriptions.push(
    configWatcher,
    configWatcher.onDidCreate(() => configContext.schedule()),
    configWatcher.onDidDelete(() => configContext.schedule()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => configContext.schedule()),
    manager.onDidChange(() => updateHasActiveRuns()),
    sweepSessions.onDidChange(() => updateHasActiveRuns()),
    sweepSessions.onDidEnd(() => updateHasActiveRuns()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('distill.maxConcurrentRuns')) {
        const updated = readSettings();
        manager.setMaxConcurrent(updated.maxConcurrentRuns);
        log.info(`Settings: distill.maxConcurrentRuns is now ${updated.maxConcurrentRuns}.`);
      }
      if (event.affectsConfiguration('distill.cancelGraceSeconds')) {
        log.info('Settings: distill.cancelGraceSeconds applies to runs after the next window reload.');
      }
    }),
  );

  void updateHasConfig(log);
  // Runs of a previous window that is gone are still marked running: mark them interrupted.
  runs.markStaleRuns();
  log.info(`Distill Lab activated: ${runs.runs().length} run(s) in ${runs.folders().length} workspace folder(s).`);

  return { runManager: manager, runs, experiments, diagnostics: diagnostics.collection };
}

/** Sets the `distill.hasConfig` context key, which chooses the Experiments view's welcome text. */
async function updateHasConfig(log: vscode.LogOutputChannel): Promise<void> {
  try {
    const configs = await findConfigFiles();
    await vscode.commands.executeCommand('setContext', 'distill.hasConfig', configs.length > 0);
  } catch (error) {
    log.warn(`Could not look for config files: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
