// `distill run [config]`: runs one experiment in this process with the same engine as the
// extension's worker, shows a progress bar per model, and ends with the comparison table.
// Exit codes: 0 completed, 1 failed, 2 invalid input, 130 cancelled with Ctrl-C, SIGTERM or a
// closed stdout.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';

import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { Command } from 'commander';

import { runExperiment } from '../engine/experiment';
import { toRejection } from '../engine/inputErrors';
import type { RunStartRequest, WorkerEvent } from '../protocol/messages';
import { readConfigFile } from './configFile';
import { checkRunsDir, describeThreadsWarning, parseBackend, parseFolder, parseThreads } from './options';
import { formatCount, formatEpochLine, renderSummaryTable } from './report';
import { isSweepConfig, runSweepCommand } from './sweepCommand';
import { isStdoutClosed, watchStdout, writeStdout } from './stdout';

export const exitCodes = { completed: 0, failed: 1, invalidInput: 2, cancelled: 130 } as const;

interface RunOptions {
  backend?: string;
  threads?: number;
  runsDir?: string;
  json?: boolean;
  progress: boolean;
  verbose?: boolean;
}

/** Shows events as progress bars on a terminal, or as plain lines elsewhere (CI logs, pipes). */
class ProgressView {
  private readonly bars: MultiBar | undefined;
  /** Progress bars by model: a role, or `teacher <member>` for an ensemble member. */
  private readonly roleBars = new Map<string, SingleBar>();

  constructor(
    enabled: boolean,
    private readonly verbose: boolean,
  ) {
    this.bars = enabled
      ? new MultiBar(
          {
            format: '{role} |{bar}| {percentage}% | epoch {epoch}/{epochs} | loss {loss}',
            hideCursor: true,
            clearOnComplete: false,
            stopOnComplete: false,
          },
          Presets.shades_classic,
        )
      : undefined;
  }

  print(line: string): void {
    if (this.bars !== undefined) {
      this.bars.log(`${line}\n`);
    } else {
      writeStdout(`${line}\n`);
    }
  }

  handle(event: WorkerEvent): void {
    switch (event.type) {
      case 'run/started':
        const detail = event.backendDetail === undefined ? '' : ` (${event.backendDetail})`;
        this.print(`Run ${event.runId} on the ${event.backend} backend${detail}, writing to ${event.runDir}`);
        break;
      case 'run/phase':
        this.print(event.detail);
        break;
      case 'run/progress':
        this.updateBar(event.member === undefined ? event.role : `${event.role} ${event.member}`, (event.epoch - 1) * event.batches + event.batch, event.epochs * event.batches, {
          epoch: event.epoch,
          epochs: event.epochs,
          loss: event.loss.toFixed(4),
        });
        break;
      case 'run/epoch':
        this.print(formatEpochLine(event));
        break;
      case 'run/evaluation':
        this.print(`${event.evaluation.role}${event.evaluation.member === undefined ? '' : ` ${event.evaluation.member}`}: ${formatCount(event.evaluation.errors)} test errors (${(event.evaluation.accuracy * 100).toFixed(2)} %)`);
        break;
      case 'run/log':
        if (event.level !== 'info' || this.verbose) {
          this.print(`${event.level}: ${event.message}`);
        }
        break;
      default:
        break;
    }
  }

  /** Updates the progress bar of one model: a role, or `teacher <member>` for an ensemble member. */
  private updateBar(model: string, value: number, total: number, payload: Record<string, unknown>): void {
    if (this.bars === undefined) {
      return;
    }
    let bar = this.roleBars.get(model);
    if (bar === undefined) {
      bar = this.bars.create(total, 0, { role: model.padEnd(9), ...payload });
      this.roleBars.set(model, bar);
    }
    bar.setTotal(total);
    bar.update(value, payload);
  }

  stop(): void {
    this.bars?.stop();
  }
}

async function runCommand(configArgument: string | undefined, options: RunOptions): Promise<number> {
  const runsDir = path.resolve(options.runsDir ?? path.join('.distill', 'runs'));
  const runsDirError = checkRunsDir(runsDir, options.runsDir);
  if (runsDirError !== undefined) {
    process.stderr.write(`error: ${runsDirError}\n`);
    return exitCodes.invalidInput;
  }
  const configFile = readConfigFile(configArgument, process.cwd());
  if (!configFile.ok) {
    process.stderr.write(`${configFile.message}\n`);
    return exitCodes.invalidInput;
  }
  const { configPath, configText } = configFile;

  const request: RunStartRequest = {
    type: 'run/start',
    configText,
    configPath,
    runsDir,
    backend: options.backend,
    backendOption: options.backend === undefined ? undefined : '--backend',
    threads: options.threads,
  };
  const sweep = isSweepConfig(configText, configPath);
  const threadsWarning = options.threads === undefined ? undefined : describeThreadsWarning(options.threads, availableParallelism(), sweep);
  if (threadsWarning !== undefined) {
    process.stderr.write(`warning: ${threadsWarning}\n`);
  }
  if (sweep) {
    return exitCodes[await runSweepCommand(request, { json: options.json === true, verbose: options.verbose === true })];
  }

  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\nStopping at the next batch (press Ctrl-C again to quit at once)...\n');
    } else {
      process.exit(exitCodes.cancelled);
    }
  };
  // SIGTERM (a CI job's timeout, `kill`) cancels the same way, so the run folder records it.
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);

  const view = new ProgressView(options.progress && !options.json && process.stdout.isTTY === true, options.verbose === true);
  const emit = (event: WorkerEvent): void => {
    if (options.json) {
      writeStdout(`${JSON.stringify(event)}\n`);
    } else {
      view.handle(event);
    }
  };
  const log = (message: string): void => {
    if (options.json) {
      process.stderr.write(`${message}\n`);
    } else {
      view.print(message);
    }
  };

  try {
    // A reader that closes stdout early (`| head`) cancels too, because the output has no reader left.
    const summary = await runExperiment(request, { emit, shouldStop: () => interrupts > 0 || isStdoutClosed() }, log);
    view.stop();
    const runDir = path.join(request.runsDir, summary.runId);
    if (!options.json && Object.keys(summary.models).length > 0) {
      writeStdout(`\n${renderSummaryTable(summary, process.stdout.isTTY === true)}\n`);
      writeStdout(`Run folder: ${runDir}\n`);
    }
    if (summary.status === 'failed') {
      process.stderr.write(`error: the run failed: ${summary.error ?? 'unknown error'}\nIts run folder, with the log in worker.log: ${runDir}\n`);
      return exitCodes.failed;
    }
    if (summary.status === 'cancelled') {
      // The reader of a closed stdout is gone; the run folder records the cancel.
      if (interrupts > 0 || !isStdoutClosed()) {
        process.stderr.write(`The run was cancelled; what it wrote so far is in ${runDir}\n`);
      }
      return exitCodes.cancelled;
    }
    return exitCodes.completed;
  } catch (error) {
    view.stop();
    const rejection = toRejection(error);
    if (rejection !== undefined) {
      if (options.json) {
        writeStdout(`${JSON.stringify(rejection)}\n`);
      }
      // Config problems are formatted as `file:line:column: error: message` already.
      process.stderr.write(rejection.kind === 'config' ? `${rejection.message}\n` : `error: ${rejection.message}\n`);
      return exitCodes.invalidInput;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

function readVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    return manifest.version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  watchStdout();
  let exitCode: number = exitCodes.completed;
  const program = new Command()
    .name('distill')
    .description('Knowledge-distillation experiments with TensorFlow.js: a teacher, a student distilled from it and a baseline student trained on labels alone, compared on the test split.')
    .version(readVersion(), '-V, --version', 'print the version number')
    .helpOption('-h, --help', 'print help for the command')
    .helpCommand('help [command]', 'print help for a command')
    .addHelpText('after', '\nSee `distill run --help` for the options. Each run writes its models, metrics and log\nto .distill/runs/<run id>/ in the current folder.')
    .exitOverride();

  program
    .command('run')
    .description(
      'Train the teacher, the distilled student and the baseline student that a config describes, and print their test errors side by side. ' +
        'A config with a `sweep` runs one child run per temperature and soft weight and prints the grid of test errors.',
    )
    .argument('[config]', 'config file, a distill.json or *.distill.json (default: distill.json in the current folder)')
    .option('-b, --backend <name>', "TensorFlow.js backend: auto, tensorflow, wasm or cpu, in any case (overrides the config's backend)", parseBackend)
    .option(
      '-t, --threads <count>',
      "threads of the wasm backend, 0 for one per logical core (overrides the config's threads; a sweep gives each child at most its share of the cores)",
      parseThreads,
    )
    .option('-r, --runs-dir <folder>', 'folder for the run folders (default: .distill/runs in the current folder); a sweep writes its own folder to sweeps/ beside it', parseFolder)
    .option('--json', 'print every event as one JSON object a line on stdout, instead of progress bars and the final table')
    .option('--no-progress', 'print a line per epoch instead of progress bars (the default when stdout is not a terminal)')
    .option('--verbose', "also print the run's info log lines, such as the full reason for the backend choice, and stack traces of unexpected errors")
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  distill run',
        '  distill run examples/mnist-quick/distill.json --backend wasm',
        '  distill run my.distill.json --json > events.jsonl',
        '',
        'Exit codes:',
        `  ${exitCodes.completed}    completed`,
        `  ${exitCodes.failed}    failed during training (the run folder has the error)`,
        `  ${exitCodes.invalidInput}    invalid input: config, data file, teacher model, backend or option`,
        `  ${exitCodes.cancelled}  cancelled with Ctrl-C or SIGTERM, or because the reader of stdout closed it (| head)`,
      ].join('\n'),
    )
    .action(async (config: string | undefined, options: RunOptions) => {
      exitCode = await runCommand(config, options);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    if (typeof code === 'number') {
      // Commander already printed the usage error or the help text.
      return code === 0 ? 0 : exitCodes.invalidInput;
    }
    throw error;
  }
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The stack helps a bug report, so --verbose prints it. Without it the message is enough.
    let text = String(error);
    if (error instanceof Error) {
      text = process.argv.includes('--verbose') ? (error.stack ?? error.message) : error.message;
    }
    process.stderr.write(`error: ${text}\n`);
    process.exitCode = exitCodes.failed;
  },
);
