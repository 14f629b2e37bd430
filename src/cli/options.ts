// Parsing and checks of `distill run`'s options, done before the config or the data load.

import { accessSync, constants, statSync, type Stats } from 'node:fs';
import * as path from 'node:path';

import { InvalidArgumentError } from 'commander';

import { MAX_WASM_THREADS } from '../engine/wasmThreads';
import { GPU_BACKEND_HINT, GPU_BACKEND_PATTERN } from '../config/schemaErrors';

const backendChoices = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Parses --backend case-insensitively, so `WASM` selects wasm. */
export function parseBackend(value: string): string {
  const backend = value.trim().toLowerCase();
  if (GPU_BACKEND_PATTERN.test(backend)) {
    throw new InvalidArgumentError(GPU_BACKEND_HINT.replace('Use "auto"', 'Use --backend auto'));
  }
  if (!backendChoices.includes(backend)) {
    throw new InvalidArgumentError(`use one of ${backendChoices.join(', ')}.`);
  }
  return backend;
}

export function parseThreads(value: string): number {
  const threads = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(threads)) {
    throw new InvalidArgumentError('use a whole number: 1 or more, or 0 for one per logical core.');
  }
  return threads;
}

/**
 * Parses the value of an option that takes a folder. A value that starts with "-" is another
 * option that followed a missing value (`--runs-dir --no-progress`), so it is rejected.
 */
export function parseFolder(value: string): string {
  if (value.startsWith('-')) {
    throw new InvalidArgumentError(`it starts with "-", so it is probably the next option: give the folder after the option, or write ./${value} for a folder with that name.`);
  }
  if (value.trim() === '') {
    throw new InvalidArgumentError('give a folder path.');
  }
  return value;
}

/**
 * Checks that run folders can be created in `runsDir` (absolute) without creating anything:
 * the folder, or its nearest existing parent, must be a folder this process can write to.
 * `optionValue` is the --runs-dir value as typed, or undefined for the default. Returns the error
 * message, without the "error: " prefix, or undefined when the folder can be used. `canWrite`
 * replaces the access check in tests, which run as root here.
 */
export function checkRunsDir(runsDir: string, optionValue: string | undefined, canWrite: (folder: string) => boolean = isWritableFolder): string | undefined {
  const named = optionValue === undefined ? `The runs folder ${runsDir}` : `--runs-dir ${optionValue} (${runsDir})`;
  const fix = optionValue === undefined ? 'Move that file, or choose another folder with --runs-dir <folder>.' : 'Give a folder path, or leave out --runs-dir to use .distill/runs in the current folder.';

  let existing = runsDir;
  let stats = statExisting(existing);
  while (stats === undefined && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
    stats = statExisting(existing);
  }
  if (stats === undefined) {
    return undefined;
  }
  if (!stats.isDirectory()) {
    const where = existing === runsDir ? 'is a file, not a folder' : `cannot be created, because ${existing} is a file`;
    return `${named} ${where}. ${fix}`;
  }
  if (!canWrite(existing)) {
    return `${named} cannot be used: this user cannot write to ${existing}. Choose a folder you can write to with --runs-dir <folder>.`;
  }
  return undefined;
}

/** Returns true when this process may create entries in `folder`. */
function isWritableFolder(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Returns the stats of `file`, or undefined when it does not exist or a parent is a file (ENOTDIR). */
function statExisting(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return undefined;
    }
    throw error;
  }
}

/**
 * Returns the warning for a --threads value that the run cannot use in full: more than the
 * logical cores (`cores`), or more than the wasm backend's pool holds. A sweep limits each child
 * to its share of the cores instead. Returns undefined when the value is used as given.
 */
export function describeThreadsWarning(threads: number, cores: number, sweep: boolean): string | undefined {
  if (sweep) {
    return threads > cores ? `--threads ${threads} is more than the ${cores} logical cores of this machine; each child run of the sweep gets at most its share of them.` : undefined;
  }
  const cap = `the wasm backend's maximum of ${MAX_WASM_THREADS} threads`;
  if (threads > cores && threads > MAX_WASM_THREADS) {
    return `--threads ${threads} is more than the ${cores} logical cores of this machine and ${cap}, so the wasm backend runs ${MAX_WASM_THREADS} threads.`;
  }
  if (threads > cores) {
    return `--threads ${threads} is more than the ${cores} logical cores of this machine, so the wasm backend's ${threads} threads share them.`;
  }
  if (threads > MAX_WASM_THREADS) {
    return `--threads ${threads} is more than ${cap}, so it runs ${MAX_WASM_THREADS}.`;
  }
  return undefined;
}
