// The Start run and Rerun commands: pick a config file, check it, and hand it to RunManager
// with the runs folder of its workspace folder. Progress and the outcome are shown by
// runNotifications.ts.

import * as path from 'node:path';

import * as vscode from 'vscode';

import { parseConfig } from '../config/parse';
import { ConfigDiagnostics, showConfigErrors } from './configDiagnostics';
import type { Localizer } from './format';
import type { RunNotifications } from './runNotifications';
import { isConfigFileName, orderConfigCandidates, runsDirFor } from './runs/configDiscovery';
import type { RunHandle, RunManager } from './runs/runManager';
import type { RunsModel } from './runsModel';
import { backendOverride, parseSettings, threadsOverride } from './settings';
import { startSweep } from './sweeps/sweepNotifications';
import type { SweepSessions } from './sweeps/sweepSessions';

/** Glob of config files, as passed to workspace.findFiles. */
export const CONFIG_GLOB = '**/{distill.json,*.distill.json}';
export const CONFIG_EXCLUDE_GLOB = '**/node_modules/**';

export interface RunStarterDependencies {
  manager: RunManager;
  runs: RunsModel;
  diagnostics: ConfigDiagnostics;
  notifications: RunNotifications;
  log: vscode.LogOutputChannel;
  l10n: Localizer;
  /** Runs configs with a `sweep`; without it they run as one run. */
  sweeps?: SweepSessions;
}

/** Finds the config files of the workspace, node_modules excluded. */
export async function findConfigFiles(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles(CONFIG_GLOB, CONFIG_EXCLUDE_GLOB);
  return uris.filter((uri) => uri.scheme === 'file' && isConfigFileName(uri.fsPath));
}

/**
 * Explains why runs cannot start in Restricted Mode and offers to manage workspace trust.
 * Returns true when the workspace is trusted.
 */
export async function requireTrust(l10n: Localizer): Promise<boolean> {
  if (vscode.workspace.isTrusted) {
    return true;
  }
  const manageTrust = l10n.t('Manage Workspace Trust');
  const choice = await vscode.window.showWarningMessage(
    l10n.t(
      'Distill Lab cannot start runs in Restricted Mode: a run starts a training process that reads the files this workspace names. Trust the workspace to start runs; browsing existing results works without it.',
    ),
    manageTrust,
  );
  if (choice === manageTrust) {
    await vscode.commands.executeCommand('workbench.trust.manage');
  }
  return false;
}

export class RunStarter {
  constructor(private readonly deps: RunStarterDependencies) {}

  /**
   * Starts a run of `configUri`, or of a config picked from the workspace: the active editor's
   * config first, and no question when there is only one. Returns the handle, or undefined when
   * nothing was started.
   */
  async startRun(configUri?: vscode.Uri): Promise<RunHandle | undefined> {
    const { l10n } = this.deps;
    if (!(await requireTrust(l10n))) {
      return undefined;
    }
    const uri = configUri instanceof vscode.Uri ? configUri : await this.pickConfig();
    if (uri === undefined) {
      return undefined;
    }
    return this.startConfig(uri);
  }

  /** Asks which config to run; undefined when there is none or the user cancels. */
  async pickConfig(): Promise<vscode.Uri | undefined> {
    const { l10n } = this.deps;
    const uris = await findConfigFiles();
    if (uris.length === 0) {
      const createConfig = l10n.t('Create config');
      const choice = await vscode.window.showWarningMessage(
        l10n.t('No distill.json or *.distill.json file was found in this workspace. Create one from an example?'),
        createConfig,
      );
      if (choice === createConfig) {
        await vscode.commands.executeCommand('distill.createConfig');
      }
      return undefined;
    }

    const active = vscode.window.activeTextEditor?.document.uri;
    const activePath = active?.scheme === 'file' ? active.fsPath : undefined;
    const byPath = new Map(uris.map((uri) => [uri.fsPath, uri]));
    const ordered = orderConfigCandidates([...byPath.keys()], activePath).map((filePath) => byPath.get(filePath) as vscode.Uri);
    if (ordered.length === 1) {
      return ordered[0];
    }

    // Without its second argument, asRelativePath names the workspace folder only when several are open.
    const items = ordered.map((uri) => ({
      label: vscode.workspace.asRelativePath(uri),
      description: uri.fsPath === activePath ? l10n.t('active editor') : undefined,
      uri,
    }));
    const picked = await vscode.window.showQuickPick(items, { placeHolder: l10n.t('Select the config to run') });
    return picked?.uri;
  }

  /** Checks a config and starts it; shows the first problem instead when the config has errors. */
  async startConfig(uri: vscode.Uri): Promise<RunHandle | undefined> {
    const { manager, runs, diagnostics, notifications, log, l10n } = this.deps;
    if (!(await requireTrust(l10n))) {
      return undefined;
    }

    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (uri.scheme !== 'file' || folder === undefined || folder.uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(
        l10n.t('Cannot start {0}: runs are stored in the workspace folder of their config, and this file is not in a local workspace folder. Open its folder and try again.', uri.fsPath),
      );
      return undefined;
    }

    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(uri);
    } catch (error) {
      void vscode.window.showErrorMessage(l10n.t('Cannot read {0}: {1}', uri.fsPath, error instanceof Error ? error.message : String(error)));
      return undefined;
    }
    // The run records the config path, so the file on disk should hold the text that runs.
    if (document.isDirty && !(await document.save())) {
      void vscode.window.showErrorMessage(l10n.t('Cannot start {0}: saving the file failed.', path.basename(uri.fsPath)));
      return undefined;
    }

    const problems = diagnostics.check(document);
    const errors = problems.filter((problem) => problem.severity === 'error');
    if (errors.length > 0) {
      log.warn(`[${uri.fsPath}] Not started: the config has ${errors.length} error(s); the first is at line ${errors[0].line}, column ${errors[0].column}.`);
      void showConfigErrors(uri, errors, l10n);
      return undefined;
    }

    const configText = document.getText();
    const parsed = parseConfig(configText, uri.fsPath).config;
    const name = parsed?.name ?? path.basename(uri.fsPath);
    const settings = parseSettings((key) => vscode.workspace.getConfiguration('distill', uri).get(key));
    const backend = backendOverride(settings.defaultBackend);
    const threads = threadsOverride(settings.threads);
    const backendOption = backend === undefined ? undefined : 'the distill.defaultBackend setting';
    if (parsed?.sweep !== undefined && this.deps.sweeps !== undefined) {
      // A sweep has no single RunHandle: its children appear in the tree as their folders appear.
      startSweep(this.deps.sweeps, { configPath: uri.fsPath, configText, runsDir: runsDirFor(folder.uri.fsPath), backend, backendOption, threads }, name, log, l10n);
      return undefined;
    }
    const handle = manager.start({ configPath: uri.fsPath, configText, runsDir: runsDirFor(folder.uri.fsPath), backend, backendOption, threads });
    runs.notePending(handle, name);
    log.info(`[${uri.fsPath}] Start requested for "${name}"${backend === undefined ? '' : ` with the ${backend} backend from the distill.defaultBackend setting`}.`);
    notifications.trackProgress(handle, name);
    return handle;
  }
}
