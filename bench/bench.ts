// `npm run bench` prints one table that compares this project's engine with a PyTorch peer on
// the same distillation step, on every TensorFlow.js backend that sets up here. It also times
// the distilled and baseline students (their epoch-time ratio should stay at most 1.10,
// because with cached teacher logits distillation adds only the soft term) and the quick
// default run through the CLI. Not a test: it prints the table and exits 0, or 1 on an error.
//
// Steps: this process trains the teacher and the students on --backend and writes the data and
// the teacher's logits to a temporary folder. Each backend then runs the distillation step in
// its own child process (`bench measure`), because a process can initialise the wasm module
// only once. bench/torch_peer.py runs the same step with 1 thread and with every core.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { Command, InvalidArgumentError } from 'commander';

import type { BackendChoice, BackendName } from '../src/config/types';
import { selectBackend, type SelectedBackend } from '../src/engine/backend';
import { loadDataset } from '../src/engine/data/dataset';
import { compareStudents, measureDistillationStep } from './engine';
import { DEFAULT_PYTHONS, findPeerPython, runPeer } from './peer';
import { parseEngineOutput, renderBenchTable, type EngineResult, type PeerResult, type QuickResult } from './report';
import { DISTILLATION_WORKLOAD, readWorkloadData, writeWorkloadData } from './workloadData';

/** Folder of package.json: dist/bench.js runs one level below it. */
const projectRoot = resolve(__dirname, '..');

interface CompareOptions {
  backend: BackendChoice;
  examples: number;
  epochs: number;
  cpuExamples: number;
  python?: string;
  skipQuick: boolean;
  keepData: boolean;
}

interface MeasureOptions {
  data: string;
  backend: BackendName;
  threads?: number;
  examples?: number;
  epochs: number;
  label: string;
}

/**
 * selectBackend with the thread-count option of the threaded wasm build. Builds without that
 * option ignore the third argument and return no `threads`, which `measureCommand` detects.
 */
type SelectBackendWithThreads = (
  choice: BackendChoice,
  log: (message: string) => void,
  options?: { threads?: number },
) => Promise<SelectedBackend & { threads?: unknown }>;

function parsePositive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new InvalidArgumentError(`expected a positive integer, found "${value}".`);
  }
  return parsed;
}

function parseBackendChoice(value: string): BackendChoice {
  const choices = ['auto', 'tensorflow', 'wasm', 'cpu'];
  if (!choices.includes(value)) {
    throw new InvalidArgumentError(`use one of ${choices.join(', ')}.`);
  }
  return value as BackendChoice;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function compareCommand(options: CompareOptions): Promise<void> {
  const dataFolder = mkdtempSync(join(tmpdir(), 'distill-bench-'));
  try {
    await compareInFolder(options, dataFolder);
  } finally {
    if (options.keepData) {
      log(`Data kept in ${dataFolder}`);
    } else {
      rmSync(dataFolder, { recursive: true, force: true });
    }
  }
}

async function compareInFolder(options: CompareOptions, dataFolder: string): Promise<void> {
  const cores = availableParallelism();

  log(`Students and teacher: ${options.examples} MNIST examples, ${options.epochs} timed epoch(s) after a warm-up`);
  const backend = await selectBackend(options.backend, log);
  const data = await loadDataset(
    { source: 'mnist', validation: 1000, normalization: 'unit', trainExamples: options.examples + 1000, testExamples: 1000 },
    process.cwd(),
  );
  const input = { features: data.features, shape: data.shape, classes: data.classes };
  const { comparison, teacherLogits } = await compareStudents(data.train, input, options.epochs);
  writeWorkloadData(dataFolder, {
    meta: { count: data.train.count, features: data.features, classes: data.classes, workload: DISTILLATION_WORKLOAD },
    features: data.train.x,
    labels: data.train.y,
    teacherLogits,
  });

  const cpuExamples = Math.min(options.cpuExamples, data.train.count);
  const engineRuns: MeasureOptions[] = [
    { data: dataFolder, backend: 'tensorflow', epochs: options.epochs, label: 'Distill Lab, tfjs tensorflow' },
    // The engine's default is one wasm thread per core, so the single-threaded row requests 1.
    { data: dataFolder, backend: 'wasm', threads: 1, epochs: options.epochs, label: 'Distill Lab, tfjs wasm, 1 thread' },
    ...(cores > 1
      ? [{ data: dataFolder, backend: 'wasm' as const, threads: cores, epochs: options.epochs, label: `Distill Lab, tfjs wasm, ${cores} threads` }]
      : []),
    {
      data: dataFolder,
      backend: 'cpu',
      examples: cpuExamples,
      epochs: 1,
      label: `Distill Lab, tfjs cpu (reduced: ${cpuExamples} examples, 1 timed epoch)`,
    },
  ];
  const engines: EngineResult[] = [];
  for (const run of engineRuns) {
    log(`Distillation step: ${run.label}`);
    engines.push(await runMeasureChild(run));
  }

  const peers = await measurePeer(options, dataFolder, [1, cores]);
  const quick = options.skipQuick ? ({ status: 'skipped' } as const) : await timeQuickRun(dataFolder);

  const report = { engines, peers, students: { backend: backend.name, comparison }, quick, timedEpochs: options.epochs };
  process.stdout.write(`${renderBenchTable(report)}\n`);
}

/** Runs `bench measure` in a child process and parses its JSON line. Its log lines pass through to stderr. */
function runMeasureChild(run: MeasureOptions): Promise<EngineResult> {
  const args = [__filename, 'measure', '--data', run.data, '--backend', run.backend, '--epochs', String(run.epochs), '--label', run.label];
  if (run.threads !== undefined) {
    args.push('--threads', String(run.threads));
  }
  if (run.examples !== undefined) {
    args.push('--examples', String(run.examples));
  }
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`bench measure for "${run.label}" exited with code ${code}. Its error output is above.`));
        return;
      }
      try {
        resolvePromise(parseEngineOutput(stdout));
      } catch (error) {
        reject(error);
      }
    });
  });
}

async function measurePeer(options: CompareOptions, dataFolder: string, threadCounts: number[]): Promise<PeerResult[]> {
  const script = join(projectRoot, 'bench', 'torch_peer.py');
  const found = findPeerPython(options.python === undefined ? DEFAULT_PYTHONS : [options.python], script);
  if ('status' in found) {
    log(`PyTorch peer: ${found.reason}`);
    return [found];
  }

  const peers: PeerResult[] = [];
  for (const threads of [...new Set(threadCounts)]) {
    log(`Distillation step: PyTorch (${found.python}), ${threads} thread(s)`);
    const peer = await runPeer(found.python, script, dataFolder, threads, options.epochs);
    if (peer.status === 'measured' && peer.lastEpochLoss !== undefined) {
      log(`PyTorch, ${threads} thread(s): mean loss of the last epoch ${peer.lastEpochLoss.toFixed(3)}`);
    }
    peers.push(peer);
  }
  return peers;
}

/** Runs the quick default through the CLI, end to end, with its run folder in `dataFolder`. */
function timeQuickRun(dataFolder: string): Promise<QuickResult> {
  const config = join(projectRoot, 'examples', 'mnist-quick', 'distill.json');
  const args = [join(projectRoot, 'bin', 'distill.js'), 'run', config, '--runs-dir', join(dataFolder, 'runs'), '--no-progress'];
  log(`Quick default: node ${args.join(' ')}`);
  const started = performance.now();
  return new Promise((resolvePromise) => {
    // The CLI's own output would bury the table, so it is kept and shown only on failure.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', (error) => resolvePromise({ status: 'failed', reason: error.message }));
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) {
        resolvePromise({ status: 'measured', seconds });
        return;
      }
      log(output);
      resolvePromise({ status: 'failed', reason: `the CLI exited with code ${code} after ${seconds.toFixed(1)} s (its output is above)` });
    });
  });
}

/** Child process: times the distillation step on one backend and prints one JSON line. */
async function measureCommand(options: MeasureOptions): Promise<void> {
  const threads = options.threads ?? (options.backend === 'tensorflow' ? availableParallelism() : 1);
  const print = (result: EngineResult): void => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  };

  const select = selectBackend as SelectBackendWithThreads;
  let selected: SelectedBackend & { threads?: unknown };
  try {
    selected = options.threads === undefined ? await select(options.backend, log) : await select(options.backend, log, { threads: options.threads });
  } catch (error) {
    print({ status: 'unavailable', label: options.label, threads, reason: error instanceof Error ? error.message : String(error) });
    return;
  }

  let measuredThreads = threads;
  if (options.threads !== undefined && options.threads > 1) {
    if (typeof selected.threads !== 'number') {
      print({
        status: 'unsupported',
        label: options.label,
        threads,
        reason: `because selectBackend in this build has no thread-count option (it returned ${JSON.stringify(selected)})`,
      });
      return;
    }
    measuredThreads = selected.threads;
  }

  const data = readWorkloadData(options.data, options.examples);
  const { timing, lastEpochLoss } = await measureDistillationStep(data, options.epochs);
  log(`${options.label}: mean loss of the last epoch ${lastEpochLoss.toFixed(3)}`);
  print({ status: 'measured', label: options.label, threads: measuredThreads, timing });
}

async function main(): Promise<void> {
  const program = new Command()
    .name('bench')
    .description('Throughput of the Distill Lab engine next to a PyTorch peer. `bench compare --help` lists the options of the default command.');

  program
    .command('compare', { isDefault: true })
    .description('measure every backend and the PyTorch peer, then print one table (default)')
    .option('--backend <name>', 'backend of the teacher and student timings: auto, tensorflow, wasm or cpu', parseBackendChoice, 'auto')
    .option('--examples <count>', 'MNIST training examples per epoch', parsePositive, 6000)
    .option('--epochs <count>', 'timed epochs per model, after one warm-up epoch', parsePositive, 2)
    .option('--cpu-examples <count>', 'examples per epoch on the slow cpu backend (one timed epoch)', parsePositive, 1000)
    .option('--python <path>', `Python with torch for the peer (default: the first of ${DEFAULT_PYTHONS.join(', ')} that imports torch)`)
    .option('--skip-quick', 'do not time examples/mnist-quick through the CLI (saves one to two minutes)', false)
    .option('--keep-data', 'keep the temporary data folder and print its path', false)
    .action(compareCommand);

  program
    .command('measure', { hidden: true })
    .description('child process: time the distillation step on one backend and print one JSON line')
    .requiredOption('--data <folder>', 'folder written by the compare command')
    .requiredOption('--backend <name>', 'tensorflow, wasm or cpu')
    .requiredOption('--label <text>', 'row label for the table')
    .option('--threads <count>', 'wasm threads, for a build of the engine that supports them', parsePositive)
    .option('--examples <count>', 'keep only the first examples of the data', parsePositive)
    .option('--epochs <count>', 'timed epochs after one warm-up epoch', parsePositive, 2)
    .action(measureCommand);

  await program.parseAsync(process.argv);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
