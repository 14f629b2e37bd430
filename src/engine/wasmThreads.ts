// Start of the threaded SIMD build of @tensorflow/tfjs-backend-wasm under Node.
//
// The package turns threads off under Node: its own loader hands Emscripten the pthread worker
// script as a blob: URL, which `worker_threads` cannot start. This module loads the package's
// Emscripten factory itself with real file paths, starts the pool of pthread workers, and gives
// TensorFlow.js a ready BackendWasm. It relies on internals of tfjs-backend-wasm 4.22.0: the
// Emscripten files in wasm-out/, the C functions that BackendWasm calls and PThread's worker
// lists. It checks them first. When one differs or the workers do not start in time, it throws
// ThreadedWasmUnavailableError with the reason, and the caller uses the single-threaded build.

import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';

/** Version of tfjs-backend-wasm whose internals this module was written and tested against. */
export const THREADED_WASM_VERSION = '4.22.0';

/**
 * Number of pthread workers that the 4.22 build creates at start (its PTHREAD_POOL_SIZE). A
 * thread pool larger than that would wait on the main thread for workers that can only load
 * once the main thread is free, so XNNPACK's pool is limited to it (the C++ code limits it too).
 */
export const MAX_WASM_THREADS = 8;

/** Milliseconds to wait for the wasm module and its pthread workers to start. */
const START_TIMEOUT_MS = 30_000;

/**
 * Environment variable that tests set to force one fall-back path: `missing-worker` (the worker
 * script path does not exist), `version` (a version mismatch) or `timeout` (workers that never
 * load, with a 1 s timeout).
 */
export const FAILURE_INJECTION_VARIABLE = 'DISTILL_TEST_WASM_THREADS_FAILURE';

/** Reason why the threaded build cannot start; the caller logs it and falls back. */
export class ThreadedWasmUnavailableError extends Error {}

const THREADED_BINARY = 'tfjs-backend-wasm-threaded-simd.wasm';
const THREADED_SCRIPT = 'tfjs-backend-wasm-threaded-simd.js';
const WORKER_SCRIPT = 'tfjs-backend-wasm-threaded-simd.worker.js';

/** The parts of the Emscripten module object (tfjs-backend-wasm 4.22) that this module uses. */
interface EmscriptenThreadedModule {
  cwrap: (name: string, returnType: string | null, argumentTypes: string[]) => (...args: number[]) => number;
  PThread: { unusedWorkers: Worker[]; runningWorkers: Worker[]; terminateAllThreads(): void };
  tfjs?: Record<string, unknown>;
  [name: string]: unknown;
}

// The project's TypeScript lib settings leave out the WebAssembly declarations; these are the
// parts used here.
type WasmImports = Record<string, Record<string, unknown>>;
interface WebAssemblyApi {
  instantiate(bytes: Uint8Array, imports: WasmImports): Promise<{ instance: unknown; module: unknown }>;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface EmscriptenFactoryConfig {
  locateFile: (path: string, prefix: string) => string;
  mainScriptUrlOrBlob: string;
  instantiateWasm: (imports: WasmImports, receiveInstance: (instance: unknown, module: unknown) => void) => object;
  PThread?: EmscriptenThreadedModule['PThread'];
}

type EmscriptenFactory = (config: EmscriptenFactoryConfig) => Promise<EmscriptenThreadedModule>;

/** C functions that BackendWasm and the kernels call at start; their absence means another build. */
const REQUIRED_EXPORTS = ['_init_with_threads_count', '_get_threads_count', '_register_tensor', '_dispose_data', '_dispose', '_malloc', '_free'];

/**
 * Creates a BackendWasm on the threaded SIMD build with `threads` threads in XNNPACK's pool
 * (1 to MAX_WASM_THREADS), and returns it with the thread count that the pool reports.
 * `wasmFolder` is the package's dist/ folder, which contains the .wasm files.
 *
 * Throws ThreadedWasmUnavailableError when the package differs from 4.22.0 in a way that
 * matters, a file is missing, a worker fails, or start takes longer than 30 s. Workers that were
 * started are terminated before it throws.
 */
export async function createThreadedWasmBackend(threads: number, wasmFolder: string): Promise<{ backend: BackendWasm; threads: number }> {
  const injected = process.env[FAILURE_INJECTION_VARIABLE];
  const packageVersion = injected === 'version' ? '0.0.0-injected' : version_wasm;
  if (packageVersion !== THREADED_WASM_VERSION) {
    throw new ThreadedWasmUnavailableError(
      `@tensorflow/tfjs-backend-wasm is ${packageVersion}, but its threaded build is started through internals of ${THREADED_WASM_VERSION}`,
    );
  }

  const packageFolder = dirname(wasmFolder.replace(/\/$/, ''));
  const scriptPath = join(packageFolder, 'wasm-out', THREADED_SCRIPT);
  const binaryPath = join(wasmFolder, THREADED_BINARY);
  for (const path of [scriptPath, binaryPath]) {
    if (!existsSync(path)) {
      throw new ThreadedWasmUnavailableError(`${path} is missing`);
    }
  }

  const factory = loadFactory(scriptPath);
  let workerPath = writeWorkerScript(packageFolder);
  if (injected === 'missing-worker') {
    workerPath = join(dirname(workerPath), 'missing.worker.js');
  } else if (injected === 'timeout') {
    workerPath = writeIdleWorkerScript(dirname(workerPath));
  }
  const timeoutMs = injected === 'timeout' ? 1000 : START_TIMEOUT_MS;

  const poolThreads = Math.max(1, Math.min(Math.floor(threads), MAX_WASM_THREADS));
  const module = await startModule(factory, { scriptPath, binaryPath, workerPath, poolThreads, timeoutMs });

  // BackendWasm's constructor creates XNNPACK's pool with the count set here. Emscripten
  // references a worker again while it runs a thread, so they are unreferenced after it, or Node
  // would never exit.
  setThreadsCount(poolThreads);
  let backend: BackendWasm;
  try {
    backend = new BackendWasm(module as never);
  } catch (error) {
    module.PThread.terminateAllThreads();
    throw new ThreadedWasmUnavailableError(`BackendWasm failed to start on the threaded build (${firstLine(error)})`);
  }
  unrefWorkers(module);
  return { backend, threads: getThreadsCount() };
}

function loadFactory(scriptPath: string): EmscriptenFactory {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require(scriptPath);
  const factory = (loaded as { default?: unknown }).default ?? loaded;
  if (typeof factory !== 'function') {
    throw new ThreadedWasmUnavailableError(`${scriptPath} does not export the Emscripten module factory`);
  }
  return factory as EmscriptenFactory;
}

/**
 * Writes the pthread worker script that the package ships only as a string, into a folder of the
 * system's temporary directory named after the script's hash, and returns its path. An existing
 * file with the same name already has the same content, so it is reused.
 */
function writeWorkerScript(packageFolder: string): string {
  const stringModule = join(packageFolder, 'wasm-out', WORKER_SCRIPT);
  if (!existsSync(stringModule)) {
    throw new ThreadedWasmUnavailableError(`${stringModule} is missing`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported: unknown = (require(stringModule) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof exported !== 'string' || !exported.includes('importScripts')) {
    throw new ThreadedWasmUnavailableError(`${stringModule} does not export the pthread worker script as wasmWorkerContents`);
  }
  // The script is stored in a template literal, which turned each "\n" escape of its string
  // literals into a line break. The package's own loader escapes them again the same way.
  const contents = exported.replace(/\n/g, '\\n');

  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const folder = join(tmpdir(), `distill-lab-wasm-${THREADED_WASM_VERSION}-${hash}`);
  const path = join(folder, WORKER_SCRIPT);
  if (existsSync(path)) {
    return path;
  }
  try {
    mkdirSync(folder, { recursive: true });
    // Written under a unique name and renamed, so a concurrent process never loads a partial file.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, contents);
    renameSync(partial, path);
  } catch (error) {
    throw new ThreadedWasmUnavailableError(`the pthread worker script could not be written to ${folder} (${firstLine(error)})`);
  }
  return path;
}

function writeIdleWorkerScript(folder: string): string {
  const path = join(folder, 'idle.worker.js');
  writeFileSync(path, '// Never reports that it loaded; used to test the start timeout.\nsetInterval(() => {}, 1000);\n');
  return path;
}

interface StartOptions {
  scriptPath: string;
  binaryPath: string;
  workerPath: string;
  poolThreads: number;
  timeoutMs: number;
}

/** Runs the Emscripten factory and resolves with the module once every pool worker has loaded. */
function startModule(factory: EmscriptenFactory, options: StartOptions): Promise<EmscriptenThreadedModule> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let started = false;
    let config: EmscriptenFactoryConfig | undefined;

    const fail = (reason: string): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      try {
        config?.PThread?.terminateAllThreads();
      } catch {
        // The workers are being torn down after a failure that is reported below.
      }
      reject(new ThreadedWasmUnavailableError(reason));
    };
    const timer = setTimeout(() => fail(`its pthread workers did not start within ${options.timeoutMs / 1000} s`), options.timeoutMs);

    config = {
      locateFile: (path, prefix) => {
        if (path.endsWith('.worker.js')) {
          return options.workerPath;
        }
        if (path.endsWith('.wasm')) {
          return options.binaryPath;
        }
        return prefix + path;
      },
      mainScriptUrlOrBlob: options.scriptPath,
      instantiateWasm: (imports, receiveInstance) => {
        // init_with_threads_count caps the pool at half of emscripten_num_logical_cores(), which
        // reads os.cpus().length under Node (tfjs-backend-wasm 4.22, src/cc/backend.cc). Reporting
        // twice the requested count lifts that cap to exactly the request.
        const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * options.poolThreads };
        webAssembly
          .instantiate(readFileSync(options.binaryPath), { ...imports, env, wasi_snapshot_preview1: env })
          .then(({ instance, module }) => receiveInstance(instance, module))
          .catch((error: unknown) => fail(`${THREADED_BINARY} failed to instantiate (${firstLine(error)})`));
        return {};
      },
    };

    let pending: Promise<EmscriptenThreadedModule>;
    try {
      pending = factory(config);
    } catch (error) {
      fail(`the Emscripten factory threw (${firstLine(error)})`);
      return;
    }
    guardWorkers(config, fail, () => started);

    pending.then(
      (module) => {
        if (settled) {
          return;
        }
        const missing = REQUIRED_EXPORTS.filter((name) => typeof module[name] !== 'function');
        if (missing.length > 0 || typeof module.cwrap !== 'function' || module.PThread === undefined) {
          fail(`the module lacks ${missing.length > 0 ? missing.join(', ') : 'cwrap or PThread'}`);
          return;
        }
        settled = true;
        started = true;
        clearTimeout(timer);
        addTfjsBridge(module);
        resolve(module);
      },
      (error: unknown) => fail(`the Emscripten module failed to start (${firstLine(error)})`),
    );
  });
}

/**
 * Routes errors of the pool's workers during start to `fail`. Emscripten's own handler rethrows
 * them from an event listener, which would end the process instead of letting the backend fall
 * back. Errors after start are rethrown as Emscripten does.
 */
function guardWorkers(config: EmscriptenFactoryConfig, fail: (reason: string) => void, isStarted: () => boolean): void {
  const workers = config.PThread?.unusedWorkers;
  if (workers === undefined || workers.length === 0) {
    fail('the module created no pthread workers (PThread.unusedWorkers is empty)');
    return;
  }
  for (const worker of workers) {
    const onError = (error: unknown): void => fail(`a pthread worker failed (${firstLine(error)})`);
    worker.on('error', onError);
    // Emscripten assigns `onerror` after loading the worker and calls it from its 'error' listener.
    const rethrowAfterStart = (error: unknown): void => {
      if (isStarted()) {
        throw error;
      }
    };
    Object.defineProperty(worker, 'onerror', { configurable: true, get: () => rethrowAfterStart, set: () => undefined });
  }
}

/** Adds the `tfjs` object of C wrappers that the package's loader adds and BackendWasm calls. */
function addTfjsBridge(module: EmscriptenThreadedModule): void {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
}

function unrefWorkers(module: EmscriptenThreadedModule): void {
  for (const worker of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) {
    worker.unref();
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** Registers `backend` as TensorFlow.js's 'wasm' backend in place of the package's factory. */
export function registerPreparedWasmBackend(backend: BackendWasm, priority: number): void {
  if (tf.findBackendFactory('wasm') !== null) {
    tf.removeBackend('wasm');
  }
  tf.registerBackend('wasm', () => backend, priority);
}
