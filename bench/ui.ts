// `npm run bench:ui` measures how responsive the user interface is, and prints two tables.
// The first has the frame times of the results panel's curves in headless Chromium
// (/usr/bin/chromium) while the pointer moves across the loss chart, then while live points are
// appended, for runs of 1 000, 10 000 and 100 000 per-step points per model (bench/uiFrames.ts).
// The second has the extension's load and activate() times, from scripts/activate-extension.cjs
// run in fresh node processes on a workspace with the recorded runs of test/fixtures/runs/.
// Not a test: it prints the tables and exits 0. It expects a build (`npm run build`) first.
//
// Options: --points N,N,… points per model (default 1000,10000,100000), --seconds S per phase
// (default 3), --activations N node processes for the activation times (default 10).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import Table from 'cli-table3';
import { Command } from 'commander';
import { chromium } from 'playwright-core';

import { startHarness } from '../test/webview/harness';
import { measureCurves, type CurvesMeasurement, type FrameStats } from './uiFrames';

const chromiumPath = '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const repositoryRoot = path.resolve(__dirname, '..');

interface UiBenchOptions {
  points: number[];
  seconds: number;
  activations: number;
}

interface ActivationTimes {
  requireMs: number;
  activateMs: number;
  packages: string[];
}

function parsePositive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`expected a positive integer, found "${value}"`);
  }
  return parsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function measureAllCurves(options: UiBenchOptions): Promise<CurvesMeasurement[]> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath}; install Debian's chromium package.`);
  }
  const harness = await startHarness(repositoryRoot);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The page may load only from the test server; any other host is aborted.
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    const results: CurvesMeasurement[] = [];
    for (const points of options.points) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      results.push(await measureCurves(page, harness, points, options.seconds * 1000));
      if (errors.length > 0) {
        throw new Error(`The page reported errors with ${points} points: ${errors.join('; ')}`);
      }
      await page.close();
    }
    return results;
  } finally {
    await browser.close();
    await harness.close();
  }
}

/** Creates a workspace folder with a distill.json and a copy of each recorded run, for activation to scan. */
function createWorkspace(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-ui-bench-'));
  cpSync(path.join(repositoryRoot, 'examples/mnist-quick/distill.json'), path.join(folder, 'distill.json'));
  const fixtures = path.join(repositoryRoot, 'test/fixtures/runs');
  for (const entry of readdirSync(fixtures, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      cpSync(path.join(fixtures, entry.name), path.join(folder, '.distill/runs', `20261205-000000-${entry.name}`), { recursive: true });
    }
  }
  return folder;
}

function measureActivation(count: number): ActivationTimes[] {
  const workspace = createWorkspace();
  try {
    return Array.from({ length: count }, () => {
      const child = spawnSync(process.execPath, [path.join(repositoryRoot, 'scripts/activate-extension.cjs'), workspace], { encoding: 'utf8' });
      if (child.status !== 0) {
        throw new Error(`scripts/activate-extension.cjs failed with exit code ${child.status}:\n${child.stderr}`);
      }
      return JSON.parse(child.stdout) as ActivationTimes;
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

function frameCells(stats: FrameStats): string[] {
  const busy = stats.busy;
  return [
    stats.fps.toFixed(1),
    stats.medianMs.toFixed(1),
    stats.p95Ms.toFixed(1),
    stats.worstMs.toFixed(1),
    ...[busy.taskMs, busy.scriptMs, busy.layoutMs, busy.styleMs].map((value) => value.toFixed(0)),
  ];
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--points <counts>', 'comma-separated per-step points per model', (value) => value.split(',').map(parsePositive), [1000, 10_000, 100_000])
    .option('--seconds <seconds>', 'seconds of each measured phase (hover, append)', parsePositive, 3)
    .option('--activations <count>', 'node processes that load and activate the extension', parsePositive, 10)
    .parse(process.argv)
    .opts<UiBenchOptions>();

  const curves = await measureAllCurves(options);
  const curvesTable = new Table({
    head: ['Points per model', 'Load (ms)', 'Phase', 'fps', 'Median (ms)', 'p95 (ms)', 'Worst (ms)', 'Busy (ms/s)', 'Script', 'Layout', 'Style'],
    colAligns: ['right', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const result of curves) {
    curvesTable.push([result.points.toLocaleString('en'), String(result.loadMs), 'hover', ...frameCells(result.hover)]);
    curvesTable.push(['', '', 'hover + append', ...frameCells(result.append)]);
  }
  process.stdout.write('\nCurves tab, 5 models (teacher, members a and b, distilled, baseline), 14 loss series; frame times from requestAnimationFrame;\nbusy: main-thread milliseconds per second (tasks in all, and their script, layout and style parts).\n');
  process.stdout.write(`${curvesTable.toString()}\n`);

  const activations = measureActivation(options.activations);
  const activationTable = new Table({ head: ['', 'Median (ms)', 'Worst (ms)'], colAligns: ['left', 'right', 'right'], style: { head: [], border: [] } });
  const rows: [string, number[]][] = [
    ['load dist/extension.js', activations.map((one) => one.requireMs)],
    ['activate()', activations.map((one) => one.activateMs)],
    ['load + activate()', activations.map((one) => one.requireMs + one.activateMs)],
  ];
  for (const [label, values] of rows) {
    activationTable.push([label, median(values).toFixed(1), Math.max(...values).toFixed(1)]);
  }
  process.stdout.write(`\nExtension activation, ${options.activations} fresh node processes; packages loaded: ${activations[0].packages.join(', ') || 'none'}.\n`);
  process.stdout.write(`${activationTable.toString()}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:ui failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
