// The extension's settings (`distill.*` in package.json), read through a getter so that unit
// tests need no `vscode`. Out-of-range values fall back to the defaults below.

import type { BackendChoice } from '../config/types';

/** `config` keeps the config file's `backend`; any other value replaces it for runs started in VS Code. */
export type DefaultBackendSetting = 'config' | BackendChoice;

export interface DistillSettings {
  maxConcurrentRuns: number;
  defaultBackend: DefaultBackendSetting;
  cancelGraceSeconds: number;
  /**
   * Threads of the wasm backend; 0 keeps the config file's `threads`. When both are 0, RunManager
   * gives each run its share of the cores (see chooseWorkerThreads).
   */
  threads: number;
}

export const DEFAULT_SETTINGS: Readonly<DistillSettings> = {
  maxConcurrentRuns: 1,
  defaultBackend: 'config',
  cancelGraceSeconds: 5,
  threads: 0,
};

const backendSettings: readonly DefaultBackendSetting[] = ['config', 'auto', 'tensorflow', 'wasm', 'cpu'];

/** Reads the settings with `get(key)`, the value of `distill.<key>`, or undefined when unset. */
export function parseSettings(get: (key: keyof DistillSettings) => unknown): DistillSettings {
  const maxConcurrentRuns = get('maxConcurrentRuns');
  const defaultBackend = get('defaultBackend');
  const cancelGraceSeconds = get('cancelGraceSeconds');
  const threads = get('threads');
  return {
    maxConcurrentRuns:
      typeof maxConcurrentRuns === 'number' && Number.isInteger(maxConcurrentRuns) && maxConcurrentRuns >= 1
        ? maxConcurrentRuns
        : DEFAULT_SETTINGS.maxConcurrentRuns,
    defaultBackend: backendSettings.includes(defaultBackend as DefaultBackendSetting)
      ? (defaultBackend as DefaultBackendSetting)
      : DEFAULT_SETTINGS.defaultBackend,
    cancelGraceSeconds:
      typeof cancelGraceSeconds === 'number' && Number.isFinite(cancelGraceSeconds) && cancelGraceSeconds >= 0
        ? cancelGraceSeconds
        : DEFAULT_SETTINGS.cancelGraceSeconds,
    threads: typeof threads === 'number' && Number.isInteger(threads) && threads >= 0 ? threads : DEFAULT_SETTINGS.threads,
  };
}

/** Returns the `backend` of the worker's start request: undefined keeps the config's own. */
export function backendOverride(setting: DefaultBackendSetting): BackendChoice | undefined {
  return setting === 'config' ? undefined : setting;
}

/** Returns the `threads` of the worker's start request: undefined keeps the config's own. */
export function threadsOverride(setting: number): number | undefined {
  return setting > 0 ? setting : undefined;
}
