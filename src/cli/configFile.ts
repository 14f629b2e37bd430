// Reads the config file that `distill run` was given, and explains in words why it cannot be read:
// the path as typed and as resolved, what is wrong, and the config files that are there instead.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_CONFIG_FILE = 'distill.json';

/** At most this many config files are listed in a fix, so a large folder keeps the message short. */
const LISTED_CONFIGS = 8;

export type ConfigFileResult = { ok: true; configPath: string; configText: string } | { ok: false; message: string };

/**
 * Reads the config named on the command line, relative to `cwd`, or ./distill.json when the
 * argument is absent. On failure, returns the error lines to print instead of throwing.
 */
export function readConfigFile(argument: string | undefined, cwd: string): ConfigFileResult {
  const configPath = path.resolve(cwd, argument ?? DEFAULT_CONFIG_FILE);
  try {
    return { ok: true, configPath, configText: readFileSync(configPath, 'utf8') };
  } catch (error) {
    return { ok: false, message: describeConfigReadError(argument, configPath, error as NodeJS.ErrnoException, cwd) };
  }
}

/** Returns whether a file name is one the extension and the CLI treat as a config. */
export function isConfigFileName(name: string): boolean {
  return name === DEFAULT_CONFIG_FILE || (name.endsWith('.distill.json') && name.length > '.distill.json'.length);
}

/** Lists the config files directly in `folder`, sorted; none when the folder cannot be read. */
export function findConfigFiles(folder: string): string[] {
  try {
    return readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && isConfigFileName(entry.name))
      .map((entry) => path.join(folder, entry.name))
      .sort();
  } catch {
    return [];
  }
}

/** Returns the path relative to `cwd` when it lies below it, else the absolute path. */
function displayPath(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  if (relative === '') {
    return '.';
  }
  return relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}

function isFolder(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}

/** Quotes a path for the example command when a shell would split or expand it. */
function shellArgument(value: string): string {
  return /^[\w./@%+=:,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Builds the message for a config that cannot be read: what is wrong in words for the usual
 * error codes, the path as typed and as resolved, and the fix with the config files found.
 */
export function describeConfigReadError(argument: string | undefined, configPath: string, error: NodeJS.ErrnoException, cwd: string): string {
  let named: string;
  if (argument === undefined) {
    named = `${configPath} (the default when no config is given)`;
  } else {
    named = path.isAbsolute(argument) ? argument : `${argument} (${configPath})`;
  }

  let problem: string;
  let searchFolder: string;
  switch (error.code) {
    case 'ENOENT':
      problem = isFolder(path.dirname(configPath)) ? 'no such file' : `no such file, because the folder ${path.dirname(configPath)} does not exist`;
      searchFolder = isFolder(path.dirname(configPath)) ? path.dirname(configPath) : cwd;
      break;
    case 'EISDIR':
      problem = 'it is a folder, not a file';
      searchFolder = configPath;
      break;
    case 'ENOTDIR':
      problem = 'a part of the path before the file name is a file, not a folder';
      searchFolder = cwd;
      break;
    case 'EACCES':
    case 'EPERM':
      return (
        `error: cannot read the config ${named}: permission denied.\n` +
        `Check the owner and mode of the file and its folders with \`ls -l ${shellArgument(configPath)}\`, then give the current user read access or run as a user who has it.`
      );
    default:
      return `error: cannot read the config ${named}: ${error.message}.\nPass the path of a readable distill.json or *.distill.json file.`;
  }

  return `error: cannot read the config ${named}: ${problem}.\n${suggestConfigs(searchFolder, cwd)}`;
}

/** Lists the config files found in `folder` with an example command, or states that there are none and how to start. */
function suggestConfigs(folder: string, cwd: string): string {
  const found = findConfigFiles(folder);
  const shownFolder = displayPath(folder, cwd);
  if (found.length === 0) {
    return (
      `No distill.json or *.distill.json file is in ${shownFolder === '.' ? 'the current folder' : shownFolder}. ` +
      'Pass the path of one, e.g. `distill run examples/mnist-quick/distill.json` from the repository folder, ' +
      'or create distill.json with `{}` in it, a complete config that takes every default.'
    );
  }
  const listed = found.slice(0, LISTED_CONFIGS).map((file) => displayPath(file, cwd));
  const more = found.length > LISTED_CONFIGS ? ` and ${found.length - LISTED_CONFIGS} more` : '';
  const where = shownFolder === '.' ? 'the current folder' : shownFolder;
  return `Config files in ${where}: ${listed.join(', ')}${more}. Pass one of them, e.g. \`distill run ${shellArgument(listed[0])}\`.`;
}
