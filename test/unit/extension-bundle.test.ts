// The built extension host bundle, dist/extension.js: it must never load TensorFlow.js, which
// only the worker processes use, and activation must not load the packages it defers. Needs
// `npm run build` first, as `npm test` does.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

const repositoryRoot = path.resolve(__dirname, '..', '..');
const bundle = path.join(repositoryRoot, 'dist', 'extension.js');

let workspace: string;

before(() => {
  workspace = mkdtempSync(path.join(tmpdir(), 'distill-bundle-test-'));
  cpSync(path.join(repositoryRoot, 'examples/mnist-quick/distill.json'), path.join(workspace, 'distill.json'));
  cpSync(path.join(repositoryRoot, 'test/fixtures/runs/mnist-quick'), path.join(workspace, '.distill/runs/20261204-210156-mnist-quick'), { recursive: true });
});

after(() => rmSync(workspace, { recursive: true, force: true }));

test('host bundle requires no tfjs', () => {
  // The extension host starts sweeps through SweepRunner, so its bundle must not require TensorFlow.js.
  assert.ok(existsSync(bundle), 'dist/extension.js is missing: run `npm run build` first');
  const text = readFileSync(bundle, 'utf8');

  // esbuild keeps TensorFlow.js external, so any import of it shows as require("@tensorflow/…"), as in dist/worker.js.
  assert.doesNotMatch(text, /require\("@tensorflow\//);
  assert.match(text, /sweep\.json/, 'the bundle contains the sweep code');
});

test('activation loads no tfjs or ajv', () => {
  assert.ok(existsSync(bundle), 'dist/extension.js is missing: run `npm run build` first');
  const child = spawnSync(process.execPath, [path.join(repositoryRoot, 'scripts/activate-extension.cjs'), workspace], { encoding: 'utf8' });
  assert.equal(child.status, 0, `scripts/activate-extension.cjs failed:\n${child.stderr}`);
  const { packages } = JSON.parse(child.stdout) as { packages: string[] };

  assert.deepEqual(packages.filter((name) => name.startsWith('@tensorflow/')), []);
  // ajv loads on the first config validation: at activation it more than doubled the bundle's load time (docs/benchmarks.md).
  assert.ok(!packages.includes('ajv'), `activation loaded ${packages.join(', ')}`);
});
