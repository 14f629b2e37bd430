// Export student model: copies a run's saved model (model.json and its weight files) to a folder
// the user picks, with a README.md on its input, normalization, classes and logits.

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import * as vscode from 'vscode';

import type { ModelRole } from '../config/types';
import { readModelInputShape, renderExportReadme } from './exportReadme';
import { roleLabel, type Localizer } from './format';
import { modelFolder, savedModelRoles } from './runDetails';
import type { ExperimentRun } from './runsModel';

/** Roles in the order the picker offers them: the distilled student is what one usually exports. */
const exportOrder: ModelRole[] = ['distilled', 'baseline', 'teacher'];

async function pickRole(roles: ModelRole[], l10n: Localizer): Promise<ModelRole | undefined> {
  const ordered = exportOrder.filter((role) => roles.includes(role));
  if (ordered.length === 1) {
    return ordered[0];
  }
  const items = ordered.map((role) => ({ label: roleLabel(role, l10n), role }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: l10n.t('Select the model to export') });
  return picked?.role;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * Exports a model of `run`: `role` when given (a model item of the tree), otherwise the user
 * picks among the saved models, the distilled student first. Asks before overwriting files.
 */
export async function exportModel(run: ExperimentRun, role: ModelRole | undefined, log: vscode.LogOutputChannel, l10n: Localizer): Promise<void> {
  const { record } = run;
  const saved = savedModelRoles(record.runDir);
  if (saved.length === 0) {
    void vscode.window.showErrorMessage(l10n.t('Run {0} has no saved model yet: each model is saved when its training ends.', record.runId));
    return;
  }
  const chosenRole = role !== undefined && saved.includes(role) ? role : await pickRole(saved, l10n);
  if (chosenRole === undefined) {
    return;
  }

  const target = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: l10n.t('Export here'),
    title: l10n.t('Folder for the {0} of run {1}', roleLabel(chosenRole, l10n), record.runId),
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const folder = target?.[0];
  if (folder === undefined) {
    return;
  }

  const source = modelFolder(record.runDir, chosenRole);
  const files = readdirSync(source, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
  const written = [...files, 'README.md'];
  const existing: string[] = [];
  for (const name of written) {
    if (await exists(vscode.Uri.joinPath(folder, name))) {
      existing.push(name);
    }
  }
  if (existing.length > 0) {
    const overwrite = l10n.t('Overwrite');
    const choice = await vscode.window.showWarningMessage(
      l10n.t('{0} already contains {1}. Overwrite?', folder.fsPath, existing.join(', ')),
      { modal: true },
      overwrite,
    );
    if (choice !== overwrite) {
      return;
    }
  }

  let inputShape: (number | null)[] | undefined;
  try {
    inputShape = readModelInputShape(JSON.parse(readFileSync(path.join(source, 'model.json'), 'utf8')));
  } catch (error) {
    log.warn(`[${record.runId}] Could not read the input shape from ${source}/model.json: ${error instanceof Error ? error.message : String(error)}`);
  }
  const readme = renderExportReadme(
    {
      runId: record.runId,
      configName: record.name,
      role: chosenRole,
      config: run.config,
      inputShape,
      classes: record.summary?.classes,
      evaluation: record.summary?.models[chosenRole],
    },
    l10n,
  );

  try {
    for (const name of files) {
      await vscode.workspace.fs.copy(vscode.Uri.file(path.join(source, name)), vscode.Uri.joinPath(folder, name), { overwrite: true });
    }
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'README.md'), Buffer.from(readme, 'utf8'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`[${record.runId}] Exporting the ${chosenRole} model to ${folder.fsPath} failed: ${message}`);
    void vscode.window.showErrorMessage(l10n.t('Exporting the model to {0} failed: {1}', folder.fsPath, message));
    return;
  }

  log.info(`[${record.runId}] Exported the ${chosenRole} model to ${folder.fsPath}: ${written.join(', ')}.`);
  const openReadme = l10n.t('Open README');
  const choice = await vscode.window.showInformationMessage(
    l10n.t('Exported the {0} of run {1} to {2}.', roleLabel(chosenRole, l10n), record.runId, folder.fsPath),
    openReadme,
  );
  if (choice === openReadme) {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, 'README.md'));
  }
}
