// Selection of the TensorFlow.js backend that runs the engine, and the kernel fixes that the
// wasm backend needs before it can train the project's models quickly.

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

import type { BackendChoice, BackendName } from '../config/types';
import { registerWasmKernels } from './kernels';

/** Backend now active in TensorFlow.js, with the names of the kernels this project registered on it. */
export interface SelectedBackend {
  name: BackendName;
  kernels: string[];
}

/** Fix that each backend's error message suggests when that backend cannot be set up. */
const FIX_BY_BACKEND: Record<BackendName, string> = {
  tensorflow: 'Install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node), or set "backend": "wasm" in the config.',
  wasm: 'Reinstall @tensorflow/tfjs-backend-wasm (npm install), or set "backend": "cpu" in the config.',
  cpu: 'Reinstall @tensorflow/tfjs (npm install).',
};

/** Reason why one backend cannot be set up. `selectBackend` adds the backend's name and fix to it. */
class BackendUnavailableError extends Error {}

/**
 * Makes the chosen backend the active TensorFlow.js backend and registers this project's
 * kernels on it. `auto` tries tensorflow (when @tensorflow/tfjs-node loads), then wasm, then
 * cpu. Logs one line with the backend and the reason, and one with the registered kernels.
 * Safe to call again in the same process, with the same or another choice.
 *
 * Throws an Error naming the backend, the cause and a fix when an explicit choice cannot be
 * set up.
 */
export async function selectBackend(choice: BackendChoice, log: (message: string) => void): Promise<SelectedBackend> {
  let selected: { name: BackendName; reason: string };
  if (choice === 'auto') {
    selected = await selectAutomatically();
  } else {
    try {
      const detail = await activateBackend(choice);
      selected = { name: choice, reason: joinReason('set in the config', detail) };
    } catch (error) {
      if (error instanceof BackendUnavailableError) {
        throw new Error(`Backend "${choice}" is not available: ${error.message}. ${FIX_BY_BACKEND[choice]}`);
      }
      throw error;
    }
  }

  const kernels = selected.name === 'wasm' ? registerWasmKernels() : [];
  log(`Backend: ${selected.name} (${selected.reason})`);
  log(`Kernels registered: ${kernels.length > 0 ? kernels.join(', ') : 'none (only wasm gets kernel fixes)'}`);
  return { name: selected.name, kernels };
}

async function selectAutomatically(): Promise<{ name: BackendName; reason: string }> {
  const failures: string[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      const detail = await activateBackend(name);
      const reason = failures.length > 0 ? `auto: ${failures.join('; ')}` : 'auto: the fastest backend available';
      return { name, reason: joinReason(reason, detail) };
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) {
        throw error;
      }
      failures.push(`${name} unavailable: ${error.message}`);
    }
  }
  throw new Error(`No TensorFlow.js backend could be set up (${failures.join('; ')}). ${FIX_BY_BACKEND.cpu}`);
}

/** Sets up and activates one backend, and returns build details for the log line when there are any. */
async function activateBackend(name: BackendName): Promise<string | undefined> {
  switch (name) {
    case 'tensorflow':
      await activateTensorflow();
      return undefined;
    case 'wasm':
      return activateWasm();
    case 'cpu':
      await activateRegisteredBackend('cpu');
      return undefined;
  }
}

async function activateTensorflow(): Promise<void> {
  try {
    // Loading @tensorflow/tfjs-node registers the 'tensorflow' backend. It is an optional
    // dependency with a native binding, so it is loaded only when requested.
    require('@tensorflow/tfjs-node');
  } catch (error) {
    throw new BackendUnavailableError(`@tensorflow/tfjs-node failed to load (${firstLine(error)})`);
  }

  if (tf.findBackendFactory('tensorflow') === null) {
    throw new BackendUnavailableError(
      '@tensorflow/tfjs-node loaded but registered its backend with another copy of @tensorflow/tfjs; ' +
        'install the same version of both and run npm dedupe',
    );
  }
  await activateRegisteredBackend('tensorflow');
}

/**
 * Activates the wasm backend with its single-threaded build, in the SIMD variant when the
 * JavaScript engine supports WebAssembly SIMD (Node 20 does).
 */
async function activateWasm(): Promise<string> {
  // The .wasm files are looked up in the package's own dist/ folder, resolved from where the
  // package's main file is, so a bundled script that keeps npm packages external finds them too.
  let wasmFolder: string;
  try {
    wasmFolder = `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
  } catch (error) {
    throw new BackendUnavailableError(`@tensorflow/tfjs-backend-wasm was not found (${firstLine(error)})`);
  }

  // tfjs-backend-wasm 4.22 already turns threads off under Node. Setting the flag keeps a later
  // version from picking the threaded build, which this project has not tried under Node.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const binary = simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  if (!existsSync(wasmFolder + binary)) {
    throw new BackendUnavailableError(`${binary} is missing from ${wasmFolder}`);
  }

  try {
    setWasmPaths(wasmFolder);
  } catch (error) {
    // setWasmPaths rejects new paths after an earlier initialization failed in this process.
    throw new BackendUnavailableError(firstLine(error));
  }

  // The Emscripten loader adds process listeners that rethrow every uncaught exception and
  // unhandled rejection. Node then exits with code 7 even when the worker's own handler was
  // about to report the failed run. Only the first initialization adds them, so they are
  // removed right after it.
  const listenersBefore = snapshotProcessListeners();
  try {
    await activateRegisteredBackend('wasm');
  } finally {
    removeListenersAddedSince(listenersBefore);
  }

  return simd ? 'SIMD build, single-threaded' : 'build without SIMD, single-threaded, slower';
}

async function activateRegisteredBackend(name: BackendName): Promise<void> {
  // setBackend logs the cause of an initialization failure as a warning and returns false.
  const activated = await tf.setBackend(name);
  if (!activated || tf.getBackend() !== name) {
    throw new BackendUnavailableError('TensorFlow.js failed to initialize it (the warning logged above gives the cause)');
  }
}

interface ProcessErrorListeners {
  uncaughtException: NodeJS.UncaughtExceptionListener[];
  unhandledRejection: NodeJS.UnhandledRejectionListener[];
}

function snapshotProcessListeners(): ProcessErrorListeners {
  return {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
}

function removeListenersAddedSince(before: ProcessErrorListeners): void {
  for (const listener of process.listeners('uncaughtException')) {
    if (!before.uncaughtException.includes(listener)) {
      process.removeListener('uncaughtException', listener);
    }
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (!before.unhandledRejection.includes(listener)) {
      process.removeListener('unhandledRejection', listener);
    }
  }
}

function joinReason(reason: string, detail: string | undefined): string {
  return detail === undefined ? reason : `${reason}; ${detail}`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
