// Runs the built CLI (`npm run build` first; `npm test` does) as a user would.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { readSummary } from '../../src/engine/runStore';

const repository = path.resolve(__dirname, '..', '..');
const cli = path.join(repository, 'bin', 'distill.js');

const tinyConfig = {
  name: 'cli-tiny',
  data: { source: 'mnist', validation: 200, trainExamples: 1200, testExamples: 500 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 2, batchSize: 64 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 2, batchSize: 64 } },
  distillation: { temperature: 4 },
  transfer: { examples: 600 },
};

function workspace(files: Record<string, string | Buffer>): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-cli-'));
  for (const [name, contents] of Object.entries(files)) {
    writeFileSync(path.join(folder, name), contents);
  }
  return folder;
}

function runCli(folder: string, args: string[]) {
  assert.ok(existsSync(path.join(repository, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first');
  return spawnSync(process.execPath, [cli, ...args], { cwd: folder, encoding: 'utf8', timeout: 120_000 });
}

/** An IDX header (magic number and dimensions) followed by `payload`. */
function idxFile(typeByte: number, dims: number[], payload: Buffer, firstBytes = [0, 0]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[0] = firstBytes[0];
  header[1] = firstBytes[1];
  header[2] = typeByte;
  header[3] = dims.length;
  dims.forEach((dim, i) => header.writeUInt32BE(dim, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

function assertOneLocatedError(result: ReturnType<typeof runCli>, pattern: RegExp): void {
  assert.equal(result.status, 2, `exit code; stderr: ${result.stderr}`);
  const errorLines = result.stderr.split('\n').filter((line) => /error/i.test(line));
  assert.equal(errorLines.length, 1, `one error line expected, got:\n${result.stderr}`);
  assert.match(errorLines[0], pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
}

test('wrong type gives one located error', () => {
  const folder = workspace({ 'distill.json': '{\n  "teacher": {\n    "train": { "epochs": "ten" }\n  }\n}\n' });
  const result = runCli(folder, ['run']);
  assertOneLocatedError(result, /distill\.json:3:\d+: error: .*\/teacher\/train\/epochs/);
  assert.ok(!existsSync(path.join(folder, '.distill')), 'no run folder');
});

test('unknown field suggests the close name', () => {
  const folder = workspace({ 'exp.distill.json': '{ "student": { "model": { "hiden": [10] } } }' });
  const result = runCli(folder, ['run', 'exp.distill.json']);
  assertOneLocatedError(result, /exp\.distill\.json:1:\d+: error: .*hiden.*Did you mean "hidden"/);
});

test('missing data file names the path', () => {
  const config = {
    data: {
      source: 'idx',
      train: { images: 'train-images.idx', labels: 'train-labels.idx' },
      test: { images: 'train-images.idx', labels: 'train-labels.idx' },
    },
  };
  const folder = workspace({ 'distill.json': JSON.stringify(config, null, 2) });
  const result = runCli(folder, ['run']);
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /distill\.json:\d+:\d+: error: .*train-images\.idx/);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
});

test('IDX with wrong magic number is rejected', () => {
  const images = idxFile(0x08, [2, 2, 2], Buffer.alloc(8), [0x12, 0x34]);
  const labels = idxFile(0x08, [2], Buffer.from([0, 1]));
  const config = {
    data: { source: 'idx', validation: 0, train: { images: 'images.idx', labels: 'labels.idx' }, test: { images: 'images.idx', labels: 'labels.idx' } },
  };
  const folder = workspace({ 'distill.json': JSON.stringify(config), 'images.idx': images, 'labels.idx': labels });
  const result = runCli(folder, ['run']);
  assertOneLocatedError(result, /images\.idx/);
  assert.match(result.stderr, /magic/i);
});

test('CSV with a short row names its line', () => {
  const train = 'label,a,b,c\n0,1,2,3\n1,4,5\n2,7,8,9\n';
  const test = 'label,a,b,c\n0,1,2,3\n';
  const config = { data: { source: 'csv', validation: 0, train: 'train.csv', test: 'test.csv' } };
  const folder = workspace({ 'distill.json': JSON.stringify(config), 'train.csv': train, 'test.csv': test });
  const result = runCli(folder, ['run']);
  assertOneLocatedError(result, /train\.csv:3/);
});

test('missing config file is invalid input', () => {
  const folder = workspace({});
  const result = runCli(folder, ['run', 'nowhere.json']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /^error: cannot read the config nowhere\.json \(.*nowhere\.json\): no such file\.$/m);
  assert.match(result.stderr, /No distill\.json or \*\.distill\.json file is in the current folder\./);
});

test('unknown backend option is rejected', () => {
  const folder = workspace({ 'distill.json': '{}' });
  const result = runCli(folder, ['run', '--backend', 'gpu']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /gpu/);
});

test('bad threads option is rejected', () => {
  const folder = workspace({ 'distill.json': '{}' });
  for (const value of ['-1', 'two', '1.5']) {
    const result = runCli(folder, ['run', '--threads', value]);
    assert.equal(result.status, 2, `exit code for --threads ${value}`);
    assert.match(result.stderr, /whole number/, `message for --threads ${value}`);
  }
});

test('threads option reaches the backend', () => {
  const folder = workspace({ 'distill.json': JSON.stringify({ ...tinyConfig, baseline: false, backend: 'wasm' }) });
  const result = runCli(folder, ['run', '--json', '--threads', '1']);
  assert.equal(result.status, 0, result.stderr);
  const started = JSON.parse(result.stdout.trim().split('\n')[0]) as { type: string; threads?: number; backendDetail?: string };
  assert.equal(started.type, 'run/started');
  assert.equal(started.threads, 1);
  assert.equal(started.backendDetail, 'SIMD, single-threaded, 1 thread requested');
  const runs = readdirSync(path.join(folder, '.distill', 'runs'));
  assert.equal(readSummary(path.join(folder, '.distill', 'runs', runs[0]))?.threads, 1);
});

test('tiny run prints the comparison table', () => {
  const folder = workspace({ 'distill.json': JSON.stringify(tinyConfig) });
  const result = runCli(folder, ['run', '--no-progress', '--backend', 'WASM']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Teacher/);
  assert.match(result.stdout, /Distilled student/);
  assert.match(result.stdout, /Baseline student/);
  assert.match(result.stdout, /^Backend: wasm, SIMD, .* \(set by --backend\)$/m);
  assert.match(result.stdout, /Run \S+ on the wasm backend \(SIMD, (\d+ threads|single-threaded \(.*\))\), writing to /);
  const runs = readdirSync(path.join(folder, '.distill', 'runs'));
  assert.equal(runs.length, 1);
  const summary = readSummary(path.join(folder, '.distill', 'runs', runs[0]));
  assert.equal(summary?.status, 'completed');
  const distilledErrors = summary?.models.distilled?.errors;
  assert.match(result.stdout, new RegExp(`Distilled student.*${distilledErrors} / 500`));
});

test('--json prints one event a line', () => {
  const folder = workspace({ 'distill.json': JSON.stringify({ ...tinyConfig, baseline: false }) });
  const result = runCli(folder, ['run', '--json']);
  assert.equal(result.status, 0, result.stderr);
  const events = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; status?: string });
  assert.equal(events[0].type, 'run/started');
  assert.equal(events[events.length - 1].type, 'run/finished');
  assert.equal(events[events.length - 1].status, 'completed');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} cancels the run and keeps it`, async () => {
    const slow = { ...tinyConfig, name: 'cli-slow', teacher: { ...tinyConfig.teacher, train: { epochs: 200, batchSize: 64 } } };
    const folder = workspace({ 'distill.json': JSON.stringify(slow) });
    const child = spawn(process.execPath, [cli, 'run', '--json'], { cwd: folder });
    let output = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!interrupted && output.includes('"type":"run/epoch"')) {
        interrupted = true;
        child.kill(signal);
      }
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.ok(interrupted, 'an epoch finished before the interrupt');
    assert.equal(exitCode, 130);
    const runs = readdirSync(path.join(folder, '.distill', 'runs'));
    const summary = readSummary(path.join(folder, '.distill', 'runs', runs[0]));
    assert.equal(summary?.status, 'cancelled');
    assert.match(output, /"type":"run\/finished","runId":"[^"]+","status":"cancelled"/);
    assert.ok(errors.includes(`what it wrote so far is in ${path.join(realpathSync(folder), '.distill', 'runs', runs[0])}`), errors);
  });
}

test('closed stdout cancels the run quietly', async () => {
  const slow = { ...tinyConfig, name: 'cli-epipe', teacher: { ...tinyConfig.teacher, train: { epochs: 200, batchSize: 64 } } };
  const folder = workspace({ 'distill.json': JSON.stringify(slow) });
  const child = spawn(process.execPath, [cli, 'run', '--json'], { cwd: folder });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  // Closing the read end after the first line is what `| head -1` does.
  child.stdout.once('data', () => child.stdout.destroy());

  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));

  assert.equal(exitCode, 130, errors);
  assert.doesNotMatch(errors, /EPIPE/);
  assert.doesNotMatch(errors, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(errors, /cancelled/, 'quiet: nobody reads the output any more');
  const runs = readdirSync(path.join(folder, '.distill', 'runs'));
  assert.equal(readSummary(path.join(folder, '.distill', 'runs', runs[0]))?.status, 'cancelled');
});

test('closed stdout ends help quietly', async () => {
  const child = spawn(process.execPath, [cli, 'help', 'run'], { cwd: workspace({}) });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  // The reader is gone before the CLI has started, so its first write fails with EPIPE.
  child.stdout.destroy();

  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));

  assert.equal(errors, '');
  assert.equal(exitCode, 0);
});

test('runs folder that is a file is rejected', () => {
  const folder = workspace({ 'distill.json': JSON.stringify(tinyConfig) });

  const result = runCli(folder, ['run', '-r', 'distill.json']);

  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /^error: --runs-dir distill\.json \(.*distill\.json\) is a file, not a folder\. Give a folder path/m);
  assert.doesNotMatch(result.stderr, /EEXIST|^\s+at /m);
  assert.doesNotMatch(result.stdout, /Backend|Data:/, 'nothing loaded before the check');
});

test('runs folder option rejects an option', () => {
  const folder = workspace({ 'distill.json': JSON.stringify(tinyConfig) });

  const result = runCli(folder, ['run', '--runs-dir', '--no-progress']);

  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /--runs-dir <folder>' argument '--no-progress' is invalid/);
  assert.ok(!existsSync(path.join(folder, '--no-progress')), 'no folder named --no-progress');
});

test('run help names defaults and exit codes', () => {
  const result = runCli(workspace({}), ['run', '--help']);

  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /default: distill\.json in the current folder/);
  assert.match(result.stdout, /^ {2}2 {4}invalid input: config, data file, teacher model, backend or option$/m);
  assert.match(result.stdout, /^ {2}130 {2}cancelled with Ctrl-C or SIGTERM, or because the reader of stdout closed it \(\| head\)$/m);
  assert.doesNotMatch(result.stdout, /default: false/);
});
