// Runs the whole end-to-end layer in sequence. It installs the tools when they are missing and
// packs the extension once. Then it runs each scenario as its own process with that .vsix, and
// prints a table of the steps with their status and time. Exits 1 when any step failed.
//
// Run:  npx tsx test/e2e/run-all.ts [--vsix FILE] [--only NAME[,NAME…]] [--skip-french]
//   --vsix FILE     use this .vsix instead of building one
//   --only NAMES    run only these scenarios: smoke, extension, results, sweep-ensemble, integration
//   --skip-french   passed on to extension.ts, which then skips its French window
// Each scenario's output is printed with its name in front and saved to
// test-output/e2e/run-all-<name>.log.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ensureTestOutputDir, repoRoot } from './paths';
import { listProcesses } from './processes';
import { packageVsix, runScenario, seconds } from './scenario';

const usage = 'npx tsx test/e2e/run-all.ts [--vsix FILE] [--only smoke,extension,results,sweep-ensemble,integration] [--skip-french]';

interface Scenario {
  name: string;
  file: string;
  args: (vsix: string, options: Options) => string[];
  env?: (vsix: string) => NodeJS.ProcessEnv;
  /** Upper bound for the whole scenario; each step inside has its own shorter timeouts. */
  timeoutMs: number;
}

const scenarios: Scenario[] = [
  // smoke.ts has no --vsix option and reads the environment variable instead.
  { name: 'smoke', file: 'test/e2e/smoke.ts', args: () => [], env: (vsix) => ({ DISTILL_E2E_VSIX: vsix }), timeoutMs: 5 * 60_000 },
  {
    name: 'extension',
    file: 'test/e2e/extension.ts',
    args: (vsix, options) => ['--vsix', vsix, ...(options.skipFrench ? ['--skip-french'] : [])],
    timeoutMs: 25 * 60_000,
  },
  { name: 'results', file: 'test/e2e/results.ts', args: (vsix) => ['--vsix', vsix], timeoutMs: 10 * 60_000 },
  { name: 'sweep-ensemble', file: 'test/e2e/sweepEnsemble.ts', args: (vsix) => ['--vsix', vsix], timeoutMs: 15 * 60_000 },
  // The bundles were built with the .vsix, so the suite skips its own build.
  { name: 'integration', file: 'test/e2e/integration.ts', args: () => ['--no-build'], timeoutMs: 15 * 60_000 },
];

interface Options {
  vsix?: string;
  only?: string[];
  skipFrench: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { skipFrench: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) {
        throw new Error(`${argument} needs a value. Usage: ${usage}`);
      }
      return next;
    };
    if (argument === '--vsix') {
      options.vsix = path.resolve(value());
    } else if (argument === '--only') {
      options.only = value().split(',').map((name) => name.trim());
      const unknown = options.only.filter((name) => !scenarios.some((scenario) => scenario.name === name));
      if (unknown.length > 0) {
        throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${scenarios.map((scenario) => scenario.name).join(', ')}`);
      }
    } else if (argument === '--skip-french') {
      options.skipFrench = true;
    } else {
      throw new Error(`unknown argument ${argument}. Usage: ${usage}`);
    }
  }
  return options;
}

interface Outcome {
  name: string;
  status: 'passed' | 'failed' | 'timed out';
  ms: number;
  detail: string;
  /** The scenario's FAIL lines and the screenshot lines that follow them, repeated in the summary. */
  failures?: string[];
}

/** Runs a preparation step in this process and records it as a row of the summary. */
function prepare(name: string, body: () => string, outcomes: Outcome[]): boolean {
  const start = Date.now();
  console.log(`=== ${name}`);
  try {
    const detail = body();
    outcomes.push({ name, status: 'passed', ms: Date.now() - start, detail });
    return true;
  } catch (error) {
    console.log(`FAIL ${name}: ${(error as Error).message}`);
    outcomes.push({ name, status: 'failed', ms: Date.now() - start, detail: (error as Error).message.split('\n')[0] });
    return false;
  }
}

/**
 * Runs one scenario file with tsx in a child process, prefixes its output lines with the
 * scenario's name and saves them to a log file. On timeout it ends the child and the process
 * groups that the child started (code-server and Chromium each run in their own group).
 */
function runScenarioProcess(scenario: Scenario, vsix: string, options: Options): Promise<Outcome> {
  const start = Date.now();
  const logFile = path.join(ensureTestOutputDir(), `run-all-${scenario.name}.log`);
  const log = fs.createWriteStream(logFile);
  console.log(`=== ${scenario.name}: ${scenario.file} ${scenario.args(vsix, options).join(' ')}`);

  const child = spawn(process.execPath, ['--import', 'tsx', scenario.file, ...scenario.args(vsix, options)], {
    cwd: repoRoot,
    env: { ...process.env, ...scenario.env?.(vsix) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const failures: string[] = [];
  const forward = (chunk: Buffer): void => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').replace(/\n$/, '').split('\n')) {
      console.log(`[${scenario.name}] ${line}`);
      if (line.startsWith('FAIL ') || line.includes('screenshot of the failure:')) {
        failures.push(line.trim());
      }
    }
  };
  child.stdout.on('data', forward);
  child.stderr.on('data', forward);

  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`[${scenario.name}] timed out after ${seconds(scenario.timeoutMs)}; ending it and the process groups it started`);
      stopScenario(child.pid);
    }, scenario.timeoutMs);

    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      log.end();
      const ms = Date.now() - start;
      if (timedOut) {
        resolve({ name: scenario.name, status: 'timed out', ms, detail: logFile, failures });
      } else {
        const detail = code === 0 ? logFile : `exit ${code ?? signal}; ${logFile}`;
        resolve({ name: scenario.name, status: code === 0 ? 'passed' : 'failed', ms, detail, failures });
      }
    });
  });
}

/**
 * Ends a scenario process that hung. Its code-server and Chromium run in process groups of their
 * own, which would survive it, so those groups are found through their parent and killed too.
 * Only direct children of this scenario are touched, never other processes on the machine.
 */
function stopScenario(pid: number | undefined): void {
  if (pid === undefined) {
    return;
  }
  const childGroups = new Set(listProcesses().filter((info) => info.ppid === pid && info.pgid !== pid).map((info) => info.pgid));
  for (const [target, signal] of [[pid, 'SIGKILL'], ...[...childGroups].map((group) => [-group, 'SIGKILL'])] as [number, NodeJS.Signals][]) {
    try {
      process.kill(target, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        console.log(`     could not signal ${target}: ${(error as Error).message}`);
      }
    }
  }
}

function printSummary(outcomes: readonly Outcome[], totalMs: number): void {
  const rows = outcomes.map((outcome) => [outcome.name, outcome.status, seconds(outcome.ms), outcome.detail]);
  const header = ['step', 'status', 'time', 'log or detail'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();

  console.log('\n=== end-to-end summary');
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  rows.forEach((row) => console.log(line(row)));
  console.log(`total: ${seconds(totalMs)}`);
  for (const outcome of outcomes.filter((each) => (each.failures ?? []).length > 0)) {
    console.log(`\n${outcome.name}:`);
    outcome.failures?.forEach((failure) => console.log(`  ${failure}`));
  }
}

async function main(): Promise<number> {
  const start = Date.now();
  const options = parseOptions(process.argv.slice(2));
  const outcomes: Outcome[] = [];

  // The script skips what is installed already, in about a second.
  const toolsReady = prepare(
    'install tools',
    () => {
      execFileSync('bash', ['scripts/e2e/install-tools.sh'], { cwd: repoRoot, stdio: 'inherit' });
      return 'scripts/e2e/install-tools.sh';
    },
    outcomes,
  );

  let vsix = options.vsix;
  const built = toolsReady
    && prepare(
      'build and package',
      () => {
        vsix ??= packageVsix();
        execFileSync(process.execPath, ['esbuild.mjs', '--integration-tests'], { cwd: repoRoot, stdio: 'inherit' });
        return vsix;
      },
      outcomes,
    );

  if (built && vsix !== undefined) {
    const selected = scenarios.filter((scenario) => options.only === undefined || options.only.includes(scenario.name));
    for (const scenario of selected) {
      outcomes.push(await runScenarioProcess(scenario, vsix, options));
    }
  }

  printSummary(outcomes, Date.now() - start);
  const failed = outcomes.filter((outcome) => outcome.status !== 'passed');
  if (failed.length > 0) {
    console.log(`failed: ${failed.map((outcome) => outcome.name).join(', ')}`);
  }
  return failed.length === 0 && built ? 0 : 1;
}

runScenario(main);
