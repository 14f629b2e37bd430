// `distill run` on a config with a `sweep`: the shared stage and the child runs go to worker
// processes (dist/worker.js beside this bundle), at most `sweep.concurrency` at a time. Prints a
// line per child event, then the grid of test errors.

import * as path from 'node:path';

import { parseConfig } from '../config/parse';
import { toRejection } from '../engine/inputErrors';
import type { RunStartRequest, SweepSummary, WorkerEvent } from '../protocol/messages';
import { describeSweepChild, SweepRunner, type SweepEventSource } from '../sweep/sweepRunner';
import { formatCount, formatEpochLine } from './report';
import { onStdoutClosed, writeStdout } from './stdout';
import { renderSweepTable } from './sweepReport';

export type SweepCommandResult = 'completed' | 'failed' | 'invalidInput' | 'cancelled';

/** Returns whether the config text parses into a config with a `sweep`; invalid configs return false. */
export function isSweepConfig(configText: string, configPath: string): boolean {
  return parseConfig(configText, configPath).config?.sweep !== undefined;
}

function sourceLabel(source: SweepEventSource, summary: SweepSummary | undefined): string {
  if (source.stage === 'shared') {
    return 'shared';
  }
  const child = summary?.children[source.index];
  return child === undefined ? `child ${source.index}` : describeSweepChild(child);
}

function describeEvent(event: WorkerEvent, verbose: boolean): string | undefined {
  switch (event.type) {
    case 'run/started':
      return `run ${event.runId} on the ${event.backend} backend${event.backendDetail === undefined ? '' : ` (${event.backendDetail})`}`;
    case 'run/phase':
      return event.detail;
    case 'run/epoch':
      return formatEpochLine(event);
    case 'run/evaluation':
      return `${event.evaluation.role}: ${formatCount(event.evaluation.errors)} test errors (${(event.evaluation.accuracy * 100).toFixed(2)} %)`;
    case 'run/log':
      if (event.level === 'info') {
        return verbose ? event.message : undefined;
      }
      return `${event.level}: ${event.message}`;
    case 'run/finished':
      return `${event.status}${event.error !== undefined ? `: ${event.error}` : ''}`;
    default:
      return undefined;
  }
}

export interface SweepCommandOptions {
  /** Print every event as one JSON object a line instead of text. */
  json: boolean;
  /** Also print info log lines. */
  verbose: boolean;
}

export async function runSweepCommand(request: RunStartRequest, options: SweepCommandOptions): Promise<SweepCommandResult> {
  const { json, verbose } = options;
  const print = (line: string): void => {
    writeStdout(`${line}\n`);
  };
  let runner: SweepRunner | undefined;
  try {
    runner = new SweepRunner({
      workerPath: path.join(__dirname, 'worker.js'),
      configText: request.configText,
      configPath: request.configPath,
      runsDir: request.runsDir,
      backend: request.backend,
      backendOption: request.backendOption,
      threads: request.threads,
      // Ctrl-C in a terminal signals the whole process group; the CLI forwards it as run/cancel.
      detachWorkers: true,
      log: (level, message) => {
        // The closing "error: the sweep failed: …" line below repeats the runner's own failure log.
        const isFailureLog = level === 'error' && /^Sweep \S+ failed: /.test(message);
        if (json || verbose || (level !== 'info' && !isFailureLog)) {
          // Config warnings arrive as `file:line:column: warning: …` already.
          const prefix = level === 'info' || /^\S+:\d+:\d+: warning: /.test(message) ? '' : `${level}: `;
          process.stderr.write(`${prefix}${message}\n`);
        }
      },
      onEvent: (source, event) => {
        if (json) {
          print(JSON.stringify({ ...event, sweepStage: source }));
          return;
        }
        const line = describeEvent(event, verbose);
        if (line !== undefined) {
          print(`[${sourceLabel(source, runner?.summary)}] ${line}`);
        }
      },
    });
  } catch (error) {
    const rejection = toRejection(error);
    if (rejection === undefined) {
      throw error;
    }
    process.stderr.write(rejection.kind === 'config' ? `${rejection.message}\n` : `error: ${rejection.message}\n`);
    return 'invalidInput';
  }

  if (!json) {
    print(`Sweep ${runner.sweepId}: ${runner.summary.children.length} child runs, ${runner.summary.concurrency} at a time, writing to ${runner.sweepDir}`);
  }
  let interrupts = 0;
  let stdoutClosed = false;
  const activeRunner = runner;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) {
      process.stderr.write('\nStopping every child run at its next batch (press Ctrl-C again to quit at once)...\n');
      activeRunner.cancel();
    } else {
      process.exit(130);
    }
  };
  // SIGTERM (a CI job's timeout, `kill`) cancels the same way, so sweep.json records it.
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  // A reader that closes stdout early (`| head`) cancels the sweep quietly, because the output has no reader left.
  const removeCloseListener = onStdoutClosed(() => {
    stdoutClosed = true;
    activeRunner.cancel();
  });

  try {
    const started = Date.now();
    const { summary, rejection } = await runner.run();
    if (!json) {
      print(`\n${renderSweepTable(summary, process.stdout.isTTY === true)}`);
      print(`Sweep folder: ${runner.sweepDir} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    if (rejection !== undefined) {
      process.stderr.write(rejection.kind === 'config' ? `${rejection.message}\n` : `error: ${rejection.message}\n`);
      return 'invalidInput';
    }
    if (summary.status === 'cancelled') {
      if (interrupts > 0 || !stdoutClosed) {
        process.stderr.write(`The sweep was cancelled; what it wrote so far is in ${runner.sweepDir} and in the run folders of the children that started.\n`);
      }
      return 'cancelled';
    }
    if (summary.status === 'failed') {
      process.stderr.write(`error: the sweep failed: ${summary.error ?? 'unknown error'}\nIts folder: ${runner.sweepDir}\n`);
      return 'failed';
    }
    return 'completed';
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    removeCloseListener();
  }
}
