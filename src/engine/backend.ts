// Selection of the TensorFlow.js backend that runs the engine, and the kernel fixes that the
// wasm backend needs before it can train the project's models quickly.

import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';

import type { BackendChoice, BackendName } from '../config/types';
import { registerWasmKernels } from './kernels';
import { createThreadedWasmBackend, registerPreparedWasmBackend, ThreadedWasmUnavailableError } from './wasmThreads';

/** Backend now active in TensorFlow.js, with the names of the kernels this project registered on it. */
export interface SelectedBackend {
  name: BackendName;
  kernels: string[];
  /**
   * Threads that run the backend's kernels: the size of XNNPACK's pool on wasm, 1 on cpu, and the
   * number of logical cores on tensorflow (TensorFlow sizes its own pools; this project does not
   * set them).
   */
  threads: number;
  /** True when the wasm backend runs its threaded SIMD build. */
  threaded: boolean;
  /** Build and thread details, as logged: "SIMD, 2 threads" or the fall-back reason. */
  detail: string;
  /**
   * Why this backend was chosen, in full: "set in the config", or for `auto` each backend that
   * could not be set up with its error. The run's log keeps it; the short log line abbreviates it.
   */
  selection: string;
}

export interface BackendOptions {
  /** Threads for the wasm backend; 0 or absent means os.availableParallelism(). 1 selects the single-threaded build. */
  threads?: number;
  /** Source of an explicit choice, named in the log line; "set in the config" when absent. */
  choiceSource?: string;
  /**
   * Logical cores that this process shares with others, set when `threads` is its share of them
   * (a sweep's child runs), so the log line names the share instead of "requested".
   */
  sharedCores?: number;
}

/** The build of the wasm backend that this process started; fixed until the process ends. */
interface WasmBuild {
  threaded: boolean;
  threads: number;
  detail: string;
}

let wasmBuild: WasmBuild | undefined;

/** TensorFlow.js registers the wasm backend with this priority (tfjs-backend-wasm 4.22). */
const WASM_PRIORITY = 2;

/** Fix that each backend's error message suggests when that backend cannot be set up. */
const FIX_BY_BACKEND: Record<BackendName, string> = {
  tensorflow: 'Install @tensorflow/tfjs-node (npm install @tensorflow/tfjs-node), or choose wasm ("backend": "wasm" in the config, or --backend wasm).',
  wasm: 'Reinstall @tensorflow/tfjs-backend-wasm (npm install), or choose cpu ("backend": "cpu" in the config, or --backend cpu).',
  cpu: 'Reinstall @tensorflow/tfjs (npm install).',
};

/** Reason why one backend cannot be set up. `selectBackend` adds the backend's name and fix to it. */
class BackendUnavailableError extends Error {
  /** A few words for the short log line of `auto`, when the common cause is known. */
  readonly shortReason?: string;

  constructor(message: string, shortReason?: string) {
    super(message);
    this.shortReason = shortReason;
  }
}

/**
 * Makes the chosen backend the active TensorFlow.js backend and registers this project's
 * kernels on it. `auto` tries tensorflow (when @tensorflow/tfjs-node loads), then wasm, then
 * cpu. Logs one short line with the backend, its build and the reason, and one with the
 * registered kernels. The returned `selection` contains the reason in full.
 * Safe to call again in the same process, with the same or another choice.
 *
 * The wasm backend runs its threaded SIMD build with `options.threads` threads (default: the
 * logical cores), and the single-threaded SIMD build when 1 thread is requested or the threaded
 * build fails to start (the log line gives the reason). The first start in a process fixes the
 * build and thread count: later calls reuse it, and log when they request another count.
 *
 * Throws an Error naming the backend, the cause and a fix when an explicit choice cannot be
 * set up.
 */
export async function selectBackend(choice: BackendChoice, log: (message: string) => void, options: BackendOptions = {}): Promise<SelectedBackend> {
  const requestedThreads = options.threads === undefined || options.threads === 0 ? defaultThreadCount() : options.threads;
  if (!Number.isInteger(requestedThreads) || requestedThreads < 1) {
    throw new Error(`Invalid thread count ${requestedThreads}: use a whole number, 1 or more, or 0 for one per logical core.`);
  }
  const threadsReason = options.sharedCores === undefined ? 'requested' : `its share of ${options.sharedCores} cores`;
  const activate = (name: BackendName): Promise<ActivatedBackend> => activateBackend(name, requestedThreads, threadsReason, log);

  let selected: Selection;
  if (choice === 'auto') {
    selected = await selectAutomatically(activate);
  } else {
    try {
      const activated = await activate(choice);
      const source = options.choiceSource ?? 'set in the config';
      selected = { name: choice, shortReason: source, reason: source, activated };
    } catch (error) {
      if (error instanceof BackendUnavailableError) {
        throw new Error(`Backend "${choice}" is not available: ${error.message}. ${FIX_BY_BACKEND[choice]}`);
      }
      throw error;
    }
  }

  const kernels = selected.name === 'wasm' ? registerWasmKernels() : [];
  const { threads, threaded, detail } = selected.activated;
  log(`Backend: ${selected.name}${detail === undefined ? '' : `, ${detail}`} (${selected.shortReason})`);
  log(`Kernels registered: ${kernels.length > 0 ? kernels.join(', ') : 'none (only wasm gets kernel fixes)'}`);
  return { name: selected.name, kernels, threads, threaded, detail: detail ?? `${threads} thread${threads === 1 ? '' : 's'}`, selection: selected.reason };
}

/** A backend that was set up, with the reason for the log line and the reason in full. */
interface Selection {
  name: BackendName;
  shortReason: string;
  reason: string;
  activated: ActivatedBackend;
}

/** Returns the number of threads used when none is requested: the logical cores that Node reports. */
export function defaultThreadCount(): number {
  return availableParallelism();
}

async function selectAutomatically(activate: (name: BackendName) => Promise<ActivatedBackend>): Promise<Selection> {
  const failures: string[] = [];
  const shortFailures: string[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      const activated = await activate(name);
      if (failures.length === 0) {
        return { name, shortReason: 'auto, the fastest backend', reason: 'auto: the fastest backend available', activated };
      }
      return { name, shortReason: `auto; ${shortFailures.join('; ')}`, reason: `auto: ${failures.join('; ')}`, activated };
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) {
        throw error;
      }
      failures.push(`${name} unavailable: ${error.message}`);
      shortFailures.push(error.shortReason ?? `${name} is unavailable`);
    }
  }
  throw new Error(`No TensorFlow.js backend could be set up (${failures.join('; ')}). ${FIX_BY_BACKEND.cpu}`);
}

/** Threads of an activated backend, and build details for the log line when there are any. */
interface ActivatedBackend {
  threads: number;
  threaded: boolean;
  detail?: string;
}

/** Sets up and activates one backend. */
async function activateBackend(name: BackendName, requestedThreads: number, threadsReason: string, log: (message: string) => void): Promise<ActivatedBackend> {
  switch (name) {
    case 'tensorflow':
      await activateTensorflow();
      return { threads: defaultThreadCount(), threaded: true };
    case 'wasm':
      return activateWasm(requestedThreads, threadsReason, log);
    case 'cpu':
      await activateRegisteredBackend('cpu');
      return { threads: 1, threaded: false };
  }
}

async function activateTensorflow(): Promise<void> {
  try {
    // Loading @tensorflow/tfjs-node registers the 'tensorflow' backend. It is an optional
    // dependency with a native binding, so it is loaded only when requested.
    require('@tensorflow/tfjs-node');
  } catch (error) {
    // The package is optional, so its absence is the normal case and gets the calm short reason.
    const notInstalled = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' && firstLine(error).includes("'@tensorflow/tfjs-node'");
    throw new BackendUnavailableError(`@tensorflow/tfjs-node failed to load (${firstLine(error)})`, notInstalled ? 'tfjs-node is not installed' : 'tfjs-node failed to load');
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
 * Activates the wasm backend: the threaded SIMD build when more than one thread is requested and
 * it starts, else the single-threaded build, in the SIMD variant when the JavaScript engine
 * supports WebAssembly SIMD (Node 20 does).
 */
async function activateWasm(requestedThreads: number, threadsReason: string, log: (message: string) => void): Promise<ActivatedBackend> {
  // The .wasm files are looked up in the package's own dist/ folder, resolved from where the
  // package's main file is, so a bundled script that keeps npm packages external finds them too.
  let wasmFolder: string;
  try {
    wasmFolder = `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
  } catch (error) {
    throw new BackendUnavailableError(`@tensorflow/tfjs-backend-wasm was not found (${firstLine(error)})`);
  }

  if (wasmBuild !== undefined && tf.findBackend('wasm') !== null) {
    await activateRegisteredBackend('wasm');
    if (requestedThreads !== wasmBuild.threads && wasmBuild.threaded) {
      log(`Wasm threads: ${requestedThreads} requested, but this process already runs wasm with ${wasmBuild.threads}; the count is fixed once the backend has started`);
    }
    return { threads: wasmBuild.threads, threaded: wasmBuild.threaded, detail: wasmBuild.detail };
  }

  // tfjs-backend-wasm 4.22 turns threads off under Node, and its own loader cannot start the
  // threaded build there. The flag keeps a later version from trying; this module starts that
  // build itself below.
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

  // The Emscripten loaders add process listeners that rethrow every uncaught exception and
  // unhandled rejection. Node then exits with code 7 even when the worker's own handler was
  // about to report the failed run. Only the first initialization adds them, so they are
  // removed right after it.
  const listenersBefore = snapshotProcessListeners();
  try {
    let fallbackReason: string;
    if (!simd) {
      fallbackReason = 'no WebAssembly SIMD support, which the threaded build needs';
    } else if (requestedThreads === 1) {
      fallbackReason = `1 thread ${threadsReason}`;
    } else {
      const threaded = await activateThreadedWasm(requestedThreads, threadsReason, wasmFolder);
      if (typeof threaded !== 'string') {
        wasmBuild = threaded;
        return threaded;
      }
      fallbackReason = `threaded build unavailable: ${threaded}`;
      log(`Wasm threads: ${fallbackReason}; using the single-threaded build`);
    }

    await activateRegisteredBackend('wasm');
    const variant = simd ? 'SIMD' : 'no SIMD, slower';
    const detail = requestedThreads === 1 && threadsReason !== 'requested' ? `${variant}, 1 thread, ${threadsReason}` : `${variant}, single-threaded, ${fallbackReason}`;
    wasmBuild = { threaded: false, threads: 1, detail };
    return wasmBuild;
  } finally {
    removeListenersAddedSince(listenersBefore);
  }
}

/**
 * Starts the threaded SIMD build and makes it the active 'wasm' backend. Returns the reason as a
 * string when it cannot, after putting the package's own factory back for the single-threaded build.
 */
async function activateThreadedWasm(requestedThreads: number, threadsReason: string, wasmFolder: string): Promise<WasmBuild | string> {
  const packageFactory = tf.findBackendFactory('wasm');
  let prepared: Awaited<ReturnType<typeof createThreadedWasmBackend>>;
  try {
    prepared = await createThreadedWasmBackend(requestedThreads, wasmFolder);
  } catch (error) {
    if (error instanceof ThreadedWasmUnavailableError) {
      return error.message;
    }
    throw error;
  }

  registerPreparedWasmBackend(prepared.backend, WASM_PRIORITY);
  const activated = await tf.setBackend('wasm');
  if (!activated || tf.getBackend() !== 'wasm') {
    // removeBackend disposes the prepared backend, which terminates its pthread workers.
    tf.removeBackend('wasm');
    if (packageFactory !== null) {
      tf.registerBackend('wasm', packageFactory, WASM_PRIORITY);
    }
    return 'TensorFlow.js failed to set it up (the warning logged above gives the cause)';
  }

  const threads = getThreadsCount();
  // The backend line puts its own reason in brackets after this detail, so the cap goes in a clause.
  const capped = threads < requestedThreads ? `, ${requestedThreads} requested but the build has at most ${threads}` : '';
  const share = threadsReason === 'requested' || capped !== '' ? '' : `, ${threadsReason}`;
  return { threaded: true, threads, detail: `SIMD, ${threads} thread${threads === 1 ? '' : 's'}${share}${capped}` };
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

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
