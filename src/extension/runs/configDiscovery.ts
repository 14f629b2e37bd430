// Config file recognition, the order of configs in a picker, and the runs folder of a workspace
// folder. These are pure functions of paths, because the caller finds the files.

import * as path from 'node:path';

const configFileName = 'distill.json';
const configFileSuffix = '.distill.json';

/**
 * Returns true for `distill.json` and `<anything>.distill.json`, compared case-sensitively. Takes
 * a file name or a path with `/` or `\` separators.
 */
export function isConfigFileName(fileName: string): boolean {
  const baseName = fileName.split(/[\\/]/).pop() ?? '';
  return baseName === configFileName || (baseName.endsWith(configFileSuffix) && baseName.length > configFileSuffix.length);
}

function compareStrings(a: string, b: string): number {
  if (a < b) {
    return -1;
  }
  return a > b ? 1 : 0;
}

/**
 * Orders config paths for a picker: the active editor's file first when it is one of `paths`,
 * then the others by path. Duplicates are dropped; no path is added.
 */
export function orderConfigCandidates(paths: string[], activeEditorPath?: string): string[] {
  const unique = [...new Set(paths)];
  const active = activeEditorPath === undefined ? undefined : unique.find((candidate) => path.normalize(candidate) === path.normalize(activeEditorPath));
  const others = unique.filter((candidate) => candidate !== active).sort(compareStrings);
  return active === undefined ? others : [active, ...others];
}

/** Returns the folder that contains a workspace folder's run folders: `<folder>/.distill/runs`. */
export function runsDirFor(workspaceFolder: string): string {
  return path.join(workspaceFolder, '.distill', 'runs');
}
