// Option parsing and the checks that `distill run` makes before the config or the data load.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { InvalidArgumentError } from 'commander';

import { checkRunsDir, describeThreadsWarning, parseBackend, parseFolder } from '../../src/cli/options';
import { MAX_WASM_THREADS } from '../../src/engine/wasmThreads';

test('backend option ignores case', () => {
  assert.equal(parseBackend('WASM'), 'wasm');
  assert.equal(parseBackend('Cpu'), 'cpu');
  assert.throws(() => parseBackend('gpu'), InvalidArgumentError);
  assert.throws(() => parseBackend('turbo'), /use one of auto, tensorflow, wasm, cpu/);
});

test('gpu backend option explains itself', () => {
  for (const value of ['gpu', 'CUDA', 'webgl', 'tensorflow-gpu']) {
    assert.throws(() => parseBackend(value), (error: Error) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.match(error.message, /Training on a GPU is not supported/, value);
      assert.match(error.message, /Use --backend auto/, value);
      return true;
    });
  }
});

test('folder option rejects an option', () => {
  assert.throws(() => parseFolder('--no-progress'), (error: Error) => {
    assert.ok(error instanceof InvalidArgumentError);
    assert.match(error.message, /starts with "-"/);
    assert.match(error.message, /\.\/--no-progress/);
    return true;
  });
  assert.throws(() => parseFolder('-r'), InvalidArgumentError);
  assert.equal(parseFolder('runs'), 'runs');
  assert.equal(parseFolder('./-odd'), './-odd');
});

test('runs folder that is a file', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-options-'));
  const file = path.join(folder, 'distill.json');
  writeFileSync(file, '{}');

  const message = checkRunsDir(file, 'distill.json');

  assert.ok(message !== undefined);
  assert.match(message, /^--runs-dir distill\.json \(.*distill\.json\) is a file, not a folder\./);
  assert.match(message, /leave out --runs-dir/);
});

test('runs folder under a file', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-options-'));
  writeFileSync(path.join(folder, '.distill'), '');

  const message = checkRunsDir(path.join(folder, '.distill', 'runs'), undefined);

  assert.ok(message !== undefined);
  assert.match(message, /^The runs folder .*runs cannot be created, because .*\.distill is a file\./);
  assert.match(message, /--runs-dir <folder>/);
});

test('runs folder that can be created', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-options-'));
  mkdirSync(path.join(folder, 'existing'));

  assert.equal(checkRunsDir(path.join(folder, 'existing'), 'existing'), undefined);
  assert.equal(checkRunsDir(path.join(folder, 'new', 'runs'), undefined), undefined);
});

test('runs folder without write access', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-options-'));
  const locked = path.join(folder, 'locked');
  mkdirSync(locked);
  // Root may write anywhere, so the access check is replaced by one that refuses `locked`.
  const canWrite = (candidate: string): boolean => candidate !== locked;

  const message = checkRunsDir(path.join(locked, 'runs'), 'locked/runs', canWrite);
  assert.ok(message !== undefined);
  assert.match(message, /cannot write to .*locked/);
  assert.equal(checkRunsDir(path.join(folder, 'runs'), 'runs', canWrite), undefined);
});

test('threads warning names value, cores, cap', () => {
  const overCap = describeThreadsWarning(100, 2, false);
  assert.ok(overCap !== undefined);
  assert.match(overCap, /--threads 100/);
  assert.match(overCap, /2 logical cores/);
  assert.match(overCap, new RegExp(`maximum of ${MAX_WASM_THREADS} threads`));
  assert.match(overCap, new RegExp(`runs ${MAX_WASM_THREADS} threads`));

  const overCores = describeThreadsWarning(4, 2, false);
  assert.ok(overCores !== undefined);
  assert.match(overCores, /--threads 4 is more than the 2 logical cores/);

  const overCapOnly = describeThreadsWarning(12, 16, false);
  assert.ok(overCapOnly !== undefined);
  assert.match(overCapOnly, new RegExp(`--threads 12 is more than the wasm backend's maximum of ${MAX_WASM_THREADS} threads`));

  const sweep = describeThreadsWarning(100, 2, true);
  assert.ok(sweep !== undefined);
  assert.match(sweep, /each child run of the sweep gets at most its share/);
});

test('threads warning stays quiet when usable', () => {
  assert.equal(describeThreadsWarning(2, 2, false), undefined);
  assert.equal(describeThreadsWarning(1, 2, false), undefined);
  assert.equal(describeThreadsWarning(2, 2, true), undefined);
});
