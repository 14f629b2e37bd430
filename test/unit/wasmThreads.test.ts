// The threaded SIMD build of the wasm backend under Node, and its fall-back to the single-threaded
// build. Each case runs in a child process, because a process keeps the first wasm build it starts,
// and a child that returns on its own also shows that the pthread workers let the process exit.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

import { FAILURE_INJECTION_VARIABLE } from '../../src/engine/wasmThreads';

const projectRoot = resolve(__dirname, '../..');
const childScript = resolve(projectRoot, 'test/fixtures/backend/train-on-backends.ts');

interface ChildResult {
  wasm: { name: string; threads: number; threaded: boolean; detail: string };
  log: string[];
  onWasm: { losses: number[]; logits: number[] };
  onCpu: { losses: number[]; logits: number[] };
}

function runChild(threads: number, failure?: string): ChildResult {
  const env = { ...process.env };
  delete env[FAILURE_INJECTION_VARIABLE];
  if (failure !== undefined) {
    env[FAILURE_INJECTION_VARIABLE] = failure;
  }
  const child = spawnSync(process.execPath, ['--import', 'tsx', childScript, String(threads)], {
    cwd: projectRoot,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(child.error, undefined, `child process failed to run or timed out: ${child.error?.message}`);
  assert.equal(child.status, 0, `child process exited with ${child.status}: ${child.stderr}`);
  const line = child.stdout.split('\n').find((text) => text.startsWith('{'));
  assert.ok(line !== undefined, `child process printed no result: ${child.stdout}`);
  return JSON.parse(line) as ChildResult;
}

function assertClose(actual: number[], expected: number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: lengths differ`);
  const difference = Math.max(...actual.map((value, index) => Math.abs(value - expected[index])));
  assert.ok(difference <= tolerance, `${what} differ by ${difference}, more than ${tolerance}`);
}

function assertTrainsLikeCpu(result: ChildResult): void {
  assertClose(result.onWasm.losses, result.onCpu.losses, 1e-4, 'epoch losses');
  assertClose(result.onWasm.logits, result.onCpu.logits, 1e-3, 'logits');
}

test('threaded wasm trains like cpu', () => {
  // 3 threads is above the package's own limit of half the logical cores on machines with up to 5.
  const result = runChild(3);

  assert.equal(result.wasm.name, 'wasm');
  assert.equal(result.wasm.threaded, true);
  assert.equal(result.wasm.threads, 3);
  assert.equal(result.wasm.detail, 'SIMD, 3 threads');
  assert.equal(result.log[0], 'Backend: wasm, SIMD, 3 threads (set in the config)');
  assertTrainsLikeCpu(result);
});

test('one thread selects single-threaded build', () => {
  const result = runChild(1);

  assert.equal(result.wasm.threaded, false);
  assert.equal(result.wasm.threads, 1);
  assert.equal(result.wasm.detail, 'SIMD, single-threaded, 1 thread requested');
  assertTrainsLikeCpu(result);
});

const injectedFailures: { failure: string; reason: RegExp }[] = [
  { failure: 'version', reason: /@tensorflow\/tfjs-backend-wasm is 0\.0\.0-injected, but its threaded build is started through internals of 4\.22\.0/ },
  { failure: 'missing-worker', reason: /a pthread worker failed \(Cannot find module .*missing\.worker\.js/ },
  { failure: 'timeout', reason: /its pthread workers did not start within 1 s/ },
];

for (const { failure, reason } of injectedFailures) {
  test(`${failure} failure falls back`, () => {
    const result = runChild(2, failure);

    assert.equal(result.wasm.threaded, false);
    assert.equal(result.wasm.threads, 1);
    assert.match(result.wasm.detail, /^SIMD, single-threaded, threaded build unavailable: /);
    assert.match(result.wasm.detail, reason);
    assert.match(result.log[0], /^Wasm threads: threaded build unavailable: .*; using the single-threaded build$/);
    assert.match(result.log[0], reason);
    assert.match(result.log[1], /^Backend: wasm, SIMD, single-threaded, threaded build unavailable: .* \(set in the config\)$/);
    assertTrainsLikeCpu(result);
  });
}
