// Create config: copies one of the examples that ship in the extension's examples/ folder to
// distill.json in a workspace folder, asking before it replaces an existing file, and opens it.

import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

import * as vscode from 'vscode';

import type { Localizer } from './format';

interface ExampleItem extends vscode.QuickPickItem {
  file: string;
}

/** Describes the examples that the extension ships; an unknown example gets its folder name only. */
function describeExample(name: string, l10n: Localizer): string | undefined {
  switch (name) {
    case 'mnist-quick':
      return l10n.t('Quick start: a 784-512-512-10 teacher, 784-256-256-10 students on 3 000 transfer examples, T = 4. About a minute and a half on two cores.');
    case 'hinton-mnist':
      return l10n.t('The MNIST experiment of Hinton, Vinyals and Dean (2015): 2×1200 teacher with dropout and jitter, 2×800 students, T = 20. Hours on a CPU.');
    default:
      return undefined;
  }
}

/** Lists the examples, mnist-quick first, as quick pick items. */
export function listExamples(examplesDir: string, l10n: Localizer): ExampleItem[] {
  let names: string[];
  try {
    names = readdirSync(examplesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(examplesDir, entry.name, 'distill.json')))
      .map((entry) => entry.name);
  } catch {
    return [];
  }
  const preferred = ['mnist-quick', 'hinton-mnist'];
  const rank = (name: string): number => {
    const index = preferred.indexOf(name);
    return index === -1 ? preferred.length : index;
  };
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((name) => ({ label: name, detail: describeExample(name, l10n), file: path.join(examplesDir, name, 'distill.json') }));
}

async function pickWorkspaceFolder(l10n: Localizer): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage(l10n.t('Open a folder first: the config is written to distill.json in a workspace folder.'));
    return undefined;
  }
  if (folders.length === 1) {
    return folders[0];
  }
  return vscode.window.showWorkspaceFolderPick({ placeHolder: l10n.t('Select the workspace folder for distill.json') });
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Returns the Uri of the written or kept config, or undefined when nothing was written. */
export async function createConfig(examplesDir: string, log: vscode.LogOutputChannel, l10n: Localizer): Promise<vscode.Uri | undefined> {
  const examples = listExamples(examplesDir, l10n);
  if (examples.length === 0) {
    void vscode.window.showErrorMessage(l10n.t('No example config was found in {0}. Reinstall the extension.', examplesDir));
    return undefined;
  }
  const example = await vscode.window.showQuickPick(examples, { placeHolder: l10n.t('Select an example to start from') });
  if (example === undefined) {
    return undefined;
  }
  const folder = await pickWorkspaceFolder(l10n);
  if (folder === undefined) {
    return undefined;
  }

  const target = vscode.Uri.joinPath(folder.uri, 'distill.json');
  if (await exists(target)) {
    const overwrite = l10n.t('Overwrite');
    const openExisting = l10n.t('Open existing file');
    const choice = await vscode.window.showWarningMessage(
      l10n.t('{0} already exists. Replace it with the {1} example?', vscode.workspace.asRelativePath(target, true), example.label),
      { modal: true },
      overwrite,
      openExisting,
    );
    if (choice === openExisting) {
      await vscode.window.showTextDocument(target);
      return target;
    }
    if (choice !== overwrite) {
      return undefined;
    }
  }

  try {
    const content = await vscode.workspace.fs.readFile(vscode.Uri.file(example.file));
    await vscode.workspace.fs.writeFile(target, content);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`[${target.fsPath}] Writing the ${example.label} example failed: ${message}`);
    void vscode.window.showErrorMessage(l10n.t('Writing {0} failed: {1}', target.fsPath, message));
    return undefined;
  }
  log.info(`[${target.fsPath}] Wrote the ${example.label} example.`);
  await vscode.window.showTextDocument(target);
  return target;
}
