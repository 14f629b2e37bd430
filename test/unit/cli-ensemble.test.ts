// Runs the built CLI (`npm run build` first; `npm test` does) on an ensemble teacher with a bias
// adjustment, as a user would.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { readSummary } from '../../src/engine/runStore';

const repository = path.resolve(__dirname, '..', '..');
const cli = path.join(repository, 'bin', 'distill.js');

const member = { model: { type: 'mlp', hidden: [32], dropout: 0.2, inputDropout: 0 }, train: { epochs: 1, batchSize: 64 } };
const config = {
  name: 'cli-ensemble',
  backend: 'wasm',
  data: { source: 'mnist', validation: 300, trainExamples: 1500, testExamples: 500 },
  teacher: { ensemble: [{ ...member, name: 'left' }, { ...member, name: 'right' }], combine: 'geometric' },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 2, batchSize: 64 } },
  distillation: { temperature: 4 },
  transfer: { examples: 600, omitClasses: [3], adjustBias: { max: 4, step: 0.5 } },
};

test('ensemble run prints members and bias lines', () => {
  assert.ok(existsSync(path.join(repository, 'dist', 'cli.js')), 'dist/cli.js is missing: run `npm run build` first');
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-cli-ensemble-'));
  writeFileSync(path.join(folder, 'distill.json'), JSON.stringify(config));

  const result = spawnSync(process.execPath, [cli, 'run', '--no-progress'], { cwd: folder, encoding: 'utf8', timeout: 120_000 });

  assert.equal(result.status, 0, result.stderr);
  const runs = readdirSync(path.join(folder, '.distill', 'runs'));
  const summary = readSummary(path.join(folder, '.distill', 'runs', runs[0]));
  assert.ok(summary !== undefined);
  const [left, right] = summary.ensemble?.members ?? [];
  assert.match(result.stdout, /^teacher left +epoch +1\/1 \|/m);
  assert.match(result.stdout, new RegExp(`│ Teacher member left +│.*│ +${left.errors} / 500 │`));
  assert.match(result.stdout, new RegExp(`│ Teacher member right +│.*│ +${right.errors} / 500 │`));
  assert.match(result.stdout, new RegExp(`│ Teacher ensemble \\(geometric\\) +│.*│ +${summary.models.teacher?.errors} / 500 │`));

  const adjustment = summary.biasAdjustment;
  assert.ok(adjustment !== undefined);
  assert.match(result.stdout, new RegExp(`│ Distilled, bias-adjusted +│.*│ +${adjustment.testErrorsAfter} / 500 │`));
  assert.ok(result.stdout.includes(`Bias adjustment (offsets with the fewest validation errors): class 3 +${adjustment.offsets[0]}.`), result.stdout);
  const classLine = `  Test errors on class 3: ${adjustment.classTestErrorsBefore[0]} → ${adjustment.classTestErrorsAfter[0]} of ${adjustment.classTestExamples[0]}.`;
  assert.ok(result.stdout.includes(classLine), result.stdout);
});
