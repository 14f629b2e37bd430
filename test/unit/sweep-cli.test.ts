// Runs the built CLI (`npm run build` first; `npm test` does) on sweep configs.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { readSummary } from '../../src/engine/runStore';
import { readSweepSummary } from '../../src/sweep/sweepStore';

const repository = path.resolve(__dirname, '..', '..');
const cli = path.join(repository, 'bin', 'distill.js');

const tinySweep = {
  name: 'cli-sweep',
  backend: 'wasm',
  data: { source: 'mnist', validation: 200, trainExamples: 1200, testExamples: 500 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 1, batchSize: 64 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 1, batchSize: 64 } },
  transfer: { examples: 600 },
  evaluation: { storedLogits: 20 },
  sweep: { temperature: [2, 8], softWeight: [0.5, 0.9], concurrency: 2 },
};

function workspace(configText: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-sweep-cli-'));
  writeFileSync(path.join(folder, 'distill.json'), configText);
  return folder;
}

function runCli(folder: string, args: string[]) {
  assert.ok(existsSync(path.join(repository, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first');
  return spawnSync(process.execPath, [cli, ...args], { cwd: folder, encoding: 'utf8', timeout: 180_000 });
}

test('sweep prints the error grid', () => {
  const folder = workspace(JSON.stringify(tinySweep, null, 2));

  const result = runCli(folder, ['run', '--no-progress']);

  assert.equal(result.status, 0, result.stderr);
  const sweepsDir = path.join(folder, '.distill', 'sweeps');
  const [sweepId] = readdirSync(sweepsDir);
  const summary = readSweepSummary(path.join(sweepsDir, sweepId));
  assert.ok(summary, 'sweep.json written');
  assert.equal(summary.status, 'completed');
  assert.equal(summary.children.length, 4);
  assert.ok(summary.teacher, 'teacher evaluation in sweep.json');
  assert.ok(summary.baseline, 'baseline evaluation in sweep.json');

  // Rows are temperatures, columns soft weights, cells the children's errors.
  const errorsAt = (temperature: number, softWeight: number) =>
    summary.children.find((child) => child.temperature === temperature && child.softWeight === softWeight)?.errors;
  assert.match(result.stdout, new RegExp(`T \\\\ soft weight\\s*│\\s*0\\.5\\s*│\\s*0\\.9`));
  assert.match(result.stdout, new RegExp(`│ 2\\s*│\\s*${errorsAt(2, 0.5)}\\s*│\\s*${errorsAt(2, 0.9)}\\s*│`));
  assert.match(result.stdout, new RegExp(`│ 8\\s*│\\s*${errorsAt(8, 0.5)}\\s*│\\s*${errorsAt(8, 0.9)}\\s*│`));
  assert.match(result.stdout, new RegExp(`Teacher: ${summary.teacher.errors} test errors`));
  assert.match(result.stdout, new RegExp(`Baseline student \\(hard labels only\\): ${summary.baseline.errors} test errors`));

  const runsDir = path.join(folder, '.distill', 'runs');
  assert.equal(readdirSync(runsDir).length, 4, 'one run folder per child');
  for (const child of summary.children) {
    assert.equal(child.status, 'completed');
    assert.ok(child.runId, 'child run id recorded');
    const runSummary = readSummary(path.join(runsDir, child.runId));
    assert.equal(runSummary?.sweep?.sweepId, sweepId);
    assert.equal(runSummary?.sweep?.temperature, child.temperature);
    assert.equal(runSummary?.models.distilled?.errors, child.errors);
    assert.equal(runSummary?.models.baseline?.errors, summary.baseline.errors);
  }
});

test('invalid sweep is a located error', () => {
  const folder = workspace('{\n  "sweep": {\n    "temperature": [2, -1]\n  }\n}\n');

  const result = runCli(folder, ['run']);

  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /distill\.json:3:\d+: error: .*\/sweep\/temperature\/1/);
  assert.ok(!existsSync(path.join(folder, '.distill')), 'no sweep folder');
});

test('missing data file rejects the sweep', () => {
  const config = { data: { source: 'csv', train: 'missing.csv', test: 'missing.csv' }, sweep: { temperature: [2] } };
  const folder = workspace(JSON.stringify(config, null, 2));

  const result = runCli(folder, ['run']);

  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /missing\.csv/);
  assert.ok(!existsSync(path.join(folder, '.distill', 'sweeps')), 'no sweep folder');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} cancels every child`, async () => {
    // Long enough students that the children are still training when the signal arrives.
    const slowSweep = { ...tinySweep, student: { ...tinySweep.student, train: { epochs: 40, batchSize: 32 } } };
    const folder = workspace(JSON.stringify(slowSweep, null, 2));
    const child = spawn(process.execPath, [cli, 'run', '--no-progress'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exitCode = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // The first epoch line of a child: its worker trains, so the signal cancels a live child.
        if (!signalled && /\[T = \d+ · soft [\d.]+\] distilled epoch/.test(stdout)) {
          signalled = true;
          child.kill(signal);
        }
      });
      child.on('close', (code) => resolve(code));
    });

    assert.ok(signalled, `no child started training:\n${stdout}\n${stderr}`);
    assert.equal(exitCode, 130, stderr);
    assert.match(stderr, /Stopping every child run/);
    const sweepsDir = path.join(folder, '.distill', 'sweeps');
    const summary = readSweepSummary(path.join(sweepsDir, readdirSync(sweepsDir)[0]));
    assert.equal(summary?.status, 'cancelled');
    assert.ok(summary?.children.every((sweepChild) => sweepChild.status === 'cancelled'), JSON.stringify(summary?.children));
    for (const runId of readdirSync(path.join(folder, '.distill', 'runs'))) {
      assert.equal(readSummary(path.join(folder, '.distill', 'runs', runId))?.status, 'cancelled', runId);
    }
  });
}

test('closed stdout cancels the sweep quietly', async () => {
  const slowSweep = { ...tinySweep, student: { ...tinySweep.student, train: { epochs: 40, batchSize: 32 } } };
  const folder = workspace(JSON.stringify(slowSweep, null, 2));
  const child = spawn(process.execPath, [cli, 'run', '--no-progress'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let closed = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Closing the read end once a child trains is what `| head` does after enough lines.
    if (!closed && /\[T = \d+ · soft [\d.]+\] distilled epoch/.test(stdout)) {
      closed = true;
      child.stdout.destroy();
    }
  });

  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

  assert.ok(closed, `no child started training:\n${stdout}\n${stderr}`);
  assert.equal(exitCode, 130, stderr);
  assert.doesNotMatch(stderr, /EPIPE|^\s+at /m);
  assert.doesNotMatch(stderr, /cancelled/, 'quiet: the output has no reader left');
  const sweepsDir = path.join(folder, '.distill', 'sweeps');
  const summary = readSweepSummary(path.join(sweepsDir, readdirSync(sweepsDir)[0]));
  assert.equal(summary?.status, 'cancelled');
});
