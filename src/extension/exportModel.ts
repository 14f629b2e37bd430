// Export student model: copies a run's saved model (model.json and its weight files) to a folder
// the user picks, with a README.md on its input, normalization, classes and logits. Any saved
// model can be exported: the students, the bias-adjusted student, the teacher and the trained
// members of an ensemble teacher.

import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import * as vscode from 'vscode';

import type { ModelRole } from '../config/types';
import type { ModelEvaluation, RunSummary } from '../protocol/messages';
import { readModelInputShape, renderExportReadme } from './exportReadme';
import { roleLabel, type Localizer } from './format';
import { savedModels, type SavedModel } from './runDetails';
import { modelLabel } from './runProgress';
import type { ExperimentRun } from './runsModel';

/** The model a tree item names: a whole model by role, an ensemble member, or the bias-adjusted student. */
export interface ExportTarget {
  role: ModelRole;
  member?: string;
  adjusted?: boolean;
}

function savedModelLabel(model: SavedModel, l10n: Localizer): string {
  if (model.adjusted === true) {
    return l10n.t('Distilled student, bias-adjusted');
  }
  return model.member === undefined ? roleLabel(model.role, l10n) : modelLabel(model.role, model.member, l10n);
}

function savedModelEvaluation(model: SavedModel, summary: RunSummary | undefined): ModelEvaluation | undefined {
  if (model.adjusted === true) {
    return summary?.biasAdjustment?.evaluation;
  }
  if (model.member !== undefined) {
    return summary?.ensemble?.members.find((member) => member.member === model.member);
  }
  return summary?.models[model.role];
}

function matchesTarget(model: SavedModel, target: ExportTarget): boolean {
  return model.role === target.role && model.member === target.member && (model.adjusted === true) === (target.adjusted === true);
}

async function pickModel(models: SavedModel[], l10n: Localizer): Promise<SavedModel | undefined> {
  if (models.length === 1) {
    return models[0];
  }
  const items = models.map((model) => ({ label: savedModelLabel(model, l10n), description: `models/${model.folder}`, model }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: l10n.t('Select the model to export') });
  return picked?.model;
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
 * Exports a model of `run`: `target` when given (a model item of the tree), otherwise the user
 * picks among the saved models, the distilled student first. Asks before overwriting files.
 */
export async function exportModel(run: ExperimentRun, target: ExportTarget | undefined, log: vscode.LogOutputChannel, l10n: Localizer): Promise<void> {
  const { record } = run;
  const members = record.summary?.ensemble?.members.map((member) => member.member ?? '') ?? [];
  const saved = savedModels(record.runDir, members);
  if (saved.length === 0) {
    void vscode.window.showErrorMessage(l10n.t('Run {0} has no saved model yet: each model is saved when its training ends.', record.runId));
    return;
  }
  const targeted = target === undefined ? undefined : saved.find((model) => matchesTarget(model, target));
  const chosen = targeted ?? (await pickModel(saved, l10n));
  if (chosen === undefined) {
    return;
  }
  const chosenLabel = savedModelLabel(chosen, l10n);

  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: l10n.t('Export here'),
    title: l10n.t('Folder for the {0} of run {1}', chosenLabel, record.runId),
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  const folder = picked?.[0];
  if (folder === undefined) {
    return;
  }

  const source = path.join(record.runDir, 'models', chosen.folder);
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
      role: chosen.role,
      modelLabel: chosenLabel,
      config: run.config,
      inputShape,
      classes: record.summary?.classes,
      evaluation: savedModelEvaluation(chosen, record.summary),
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
    log.error(`[${record.runId}] Exporting models/${chosen.folder} to ${folder.fsPath} failed: ${message}`);
    void vscode.window.showErrorMessage(l10n.t('Exporting the model to {0} failed: {1}', folder.fsPath, message));
    return;
  }

  log.info(`[${record.runId}] Exported models/${chosen.folder} to ${folder.fsPath}: ${written.join(', ')}.`);
  const openReadme = l10n.t('Open README');
  const choice = await vscode.window.showInformationMessage(
    l10n.t('Exported the {0} of run {1} to {2}.', chosenLabel, record.runId, folder.fsPath),
    openReadme,
  );
  if (choice === openReadme) {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, 'README.md'));
  }
}
