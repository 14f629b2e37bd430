// Backend selection. The cases for 'auto' and 'tensorflow' expect @tensorflow/tfjs-node to be
// missing, as it is where its native binding does not install, and are skipped where it is installed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/engine/backend';

const projectRoot = resolve(__dirname, '../..');
const backendModule = resolve(projectRoot, 'src/engine/backend.ts');
const tfjsNodeSkip = isTfjsNodeInstalled() ? '@tensorflow/tfjs-node is installed' : false;

function isTfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

function collectLog(): { lines: string[]; log: (message: string) => void } {
  const lines: string[] = [];
  return { lines, log: (message) => lines.push(message) };
}

// Runs first, because only the first wasm initialization in a process loads the Emscripten
// module that adds the listeners.
test('first wasm selection adds no listeners', async () => {
  const uncaughtBefore = process.listenerCount('uncaughtException');
  const rejectionBefore = process.listenerCount('unhandledRejection');

  await selectBackend('wasm', () => {});

  assert.equal(process.listenerCount('uncaughtException'), uncaughtBefore);
  assert.equal(process.listenerCount('unhandledRejection'), rejectionBefore);
});

test('cpu choice activates cpu', async () => {
  const { lines, log } = collectLog();

  const selected = await selectBackend('cpu', log);

  assert.deepEqual(selected, { name: 'cpu', kernels: [], threads: 1, threaded: false, detail: '1 thread', selection: 'set in the config' });
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^Backend: cpu \(set in the config\)$/);
  assert.match(lines[1], /^Kernels registered: none/);
});

test('choice source names the option', async () => {
  const { lines, log } = collectLog();

  const selected = await selectBackend('cpu', log, { choiceSource: 'set by --backend' });

  assert.equal(lines[0], 'Backend: cpu (set by --backend)');
  assert.equal(selected.selection, 'set by --backend');
});

test('auto chooses wasm without tfjs-node', { skip: tfjsNodeSkip }, async () => {
  const { lines, log } = collectLog();

  const selected = await selectBackend('auto', log);

  assert.equal(selected.name, 'wasm');
  assert.deepEqual(selected.kernels, ['BatchMatMul', 'Conv2DBackpropFilter', 'DistillLabAdamUpdate']);
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(lines.length, 2);
  // The log line is short; the full reason stays in `selection` for the run's log.
  assert.match(lines[0], /^Backend: wasm, SIMD, (\d+ threads?|single-threaded \(.*\)) \(auto; tfjs-node is not installed\)$/);
  assert.match(selected.selection, /^auto: tensorflow unavailable: @tensorflow\/tfjs-node failed to load \(Cannot find module '@tensorflow\/tfjs-node'/);
  assert.equal(lines[1], 'Kernels registered: BatchMatMul, Conv2DBackpropFilter, DistillLabAdamUpdate');
});

test('tensorflow choice names tfjs-node', { skip: tfjsNodeSkip }, async () => {
  await selectBackend('cpu', () => {});

  await assert.rejects(selectBackend('tensorflow', () => {}), (error: Error) => {
    assert.match(error.message, /^Backend "tensorflow" is not available: @tensorflow\/tfjs-node failed to load/);
    assert.match(error.message, /Install @tensorflow\/tfjs-node .*, or choose wasm \("backend": "wasm" in the config, or --backend wasm\)\.$/);
    return true;
  });
  assert.equal(tf.getBackend(), 'cpu');
});

test('invalid thread count is rejected', async () => {
  for (const threads of [-1, 1.5, Number.NaN]) {
    await assert.rejects(selectBackend('cpu', () => {}, { threads }), (error: Error) => {
      assert.match(error.message, /^Invalid thread count .*: use a whole number, 1 or more, or 0 for one per logical core\.$/);
      return true;
    });
  }
});

test('repeated selection keeps one wrapper', async () => {
  const first = await selectBackend('wasm', () => {});
  const wrapper = tf.getKernel('BatchMatMul', 'wasm').kernelFunc;
  const convKernel = tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc;

  await selectBackend('cpu', () => {});
  const again = await selectBackend('wasm', () => {});

  assert.deepEqual(again, first);
  assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, wrapper);
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc, convKernel);

  const product = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]), true, true);
  assert.deepEqual(product.arraySync(), [
    [23, 31],
    [34, 46],
  ]);
  product.dispose();
});

test('wasm process exits on its own', () => {
  // A child process that selects wasm and computes must end without process.exit, so the
  // worker and the CLI finish when their work does.
  const script = [
    `const { selectBackend } = require(${JSON.stringify(backendModule)});`,
    `const tf = require('@tensorflow/tfjs');`,
    `selectBackend('wasm', () => {}).then(() => {`,
    `  tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true).dataSync();`,
    `  console.log('done on ' + tf.getBackend());`,
    `});`,
  ].join('\n');

  const child = spawnSync(process.execPath, ['--import', 'tsx', '--eval', script], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });

  assert.equal(child.error, undefined, `child process failed to run or timed out: ${child.error?.message}`);
  assert.equal(child.status, 0, `child process exited with ${child.status}: ${child.stderr}`);
  assert.match(child.stdout, /done on wasm/);
});

test('shared cores word the thread line', () => {
  // A fresh process, because the first wasm start in a process fixes the build and its detail.
  const script = [
    `const { selectBackend } = require(${JSON.stringify(backendModule)});`,
    `selectBackend('wasm', (line) => console.log(line), { threads: 1, sharedCores: 2 }).then((selected) => {`,
    `  console.log('detail: ' + selected.detail);`,
    `});`,
  ].join('\n');

  const child = spawnSync(process.execPath, ['--import', 'tsx', '--eval', script], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });

  assert.equal(child.status, 0, `child process exited with ${child.status}: ${child.stderr}`);
  assert.match(child.stdout, /^detail: SIMD, 1 thread, its share of 2 cores$/m);
  assert.match(child.stdout, /^Backend: wasm, SIMD, 1 thread, its share of 2 cores \(set in the config\)$/m);
  assert.doesNotMatch(child.stdout, /requested/);
});
