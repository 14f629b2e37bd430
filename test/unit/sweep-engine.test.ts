// The engine's sweep stages, run in this process: the shared stage, then children that reuse it.
// A child must give the same numbers as a plain run with its temperature and weights.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { runExperiment } from '../../src/engine/experiment';
import { readSummary } from '../../src/engine/runStore';
import type { RunStartRequest, SweepStageRequest, WorkerEvent } from '../../src/protocol/messages';

const tinyConfig = {
  name: 'tiny-sweep',
  backend: 'wasm',
  data: { source: 'mnist', validation: 200, trainExamples: 1200, testExamples: 500 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 1, batchSize: 64 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 1, batchSize: 64 } },
  distillation: { temperature: 4 },
  transfer: { examples: 600 },
  evaluation: { storedLogits: 50 },
  sweep: { temperature: [2, 8], softWeight: [0.7] },
};

function workspace(config: unknown) {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-sweep-engine-'));
  const configPath = path.join(folder, 'distill.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { configPath, configText: readFileSync(configPath, 'utf8'), runsDir: path.join(folder, '.distill', 'runs'), sweepDir: path.join(folder, '.distill', 'sweeps', 's1') };
}

async function start(request: RunStartRequest) {
  const events: WorkerEvent[] = [];
  const summary = await runExperiment(request, { emit: (event) => events.push(event), shouldStop: () => false }, () => undefined);
  return { summary, events };
}

function request(folder: ReturnType<typeof workspace>, sweep?: SweepStageRequest): RunStartRequest {
  return { type: 'run/start', configText: folder.configText, configPath: folder.configPath, runsDir: folder.runsDir, sweep };
}

test('child reuses the shared stage', async () => {
  const folder = workspace(tinyConfig);

  const shared = await start(request(folder, { stage: 'shared', sweepId: 's1', sweepDir: folder.sweepDir }));
  assert.equal(shared.summary.status, 'completed');
  assert.ok(shared.summary.models.teacher, 'teacher evaluated');
  assert.ok(shared.summary.models.baseline, 'baseline evaluated');
  assert.equal(shared.summary.models.distilled, undefined, 'no distilled student in the shared stage');
  assert.ok(existsSync(path.join(folder.sweepDir, 'shared', 'logits', 'teacher.f32')), 'transfer logits stored');
  assert.ok(existsSync(path.join(folder.sweepDir, 'shared', 'models', 'teacher', 'model.json')), 'teacher model stored');
  assert.ok(!existsSync(folder.runsDir), 'the shared stage writes no run folder');

  const membership = { sweepId: 's1', index: 1, temperature: 8, softWeight: 0.7, hardWeight: 0.3 };
  const child = await start(request(folder, { stage: 'child', sweepDir: folder.sweepDir, membership }));
  assert.equal(child.summary.status, 'completed');
  assert.deepEqual(child.summary.sweep, membership);
  assert.equal(child.summary.temperature, 8);
  assert.deepEqual(child.summary.models.teacher, shared.summary.models.teacher);
  assert.deepEqual(child.summary.models.baseline, shared.summary.models.baseline);
  assert.ok(child.summary.models.distilled, 'distilled student evaluated');
  assert.ok(!child.events.some((event) => event.type === 'run/epoch' && event.role !== 'distilled'), 'only the distilled student trains');

  const childDir = path.join(folder.runsDir, child.summary.runId);
  assert.match(child.summary.runId, /tiny-sweep-T8-s0\.7$/);
  const childConfig = JSON.parse(readFileSync(path.join(childDir, 'config.json'), 'utf8'));
  assert.equal(childConfig.distillation.temperature, 8);
  assert.equal(childConfig.distillation.softWeight, 0.7);
  assert.equal(childConfig.distillation.hardWeight, 0.3);
  assert.equal(childConfig.sweep, undefined);
  const meta = JSON.parse(readFileSync(path.join(childDir, 'softened', 'meta.json'), 'utf8'));
  assert.deepEqual([...meta.roles].sort(), ['baseline', 'distilled', 'teacher']);

  // The same values in a plain run train the same teacher, baseline and student.
  const { sweep: _sweep, ...plainConfig } = tinyConfig;
  const plainFolder = workspace({ ...plainConfig, distillation: { temperature: 8, softWeight: 0.7, hardWeight: 0.3 } });
  const plain = await start(request(plainFolder));
  assert.equal(plain.summary.models.teacher?.errors, child.summary.models.teacher?.errors);
  assert.equal(plain.summary.models.baseline?.errors, child.summary.models.baseline?.errors);
  assert.equal(plain.summary.models.distilled?.errors, child.summary.models.distilled?.errors);
  assert.deepEqual(readSummary(childDir), child.summary);
});

test('child with jitter calls the shared teacher', async () => {
  const folder = workspace({ ...tinyConfig, data: { ...tinyConfig.data, testExamples: 200 }, student: { ...tinyConfig.student, augment: { jitter: 1 } } });

  const shared = await start(request(folder, { stage: 'shared', sweepId: 's1', sweepDir: folder.sweepDir }));
  assert.equal(shared.summary.status, 'completed');
  assert.ok(!existsSync(path.join(folder.sweepDir, 'shared', 'logits')), 'no transfer logits with jitter');

  const membership = { sweepId: 's1', index: 0, temperature: 2, softWeight: 0.7, hardWeight: 0.3 };
  const child = await start(request(folder, { stage: 'child', sweepDir: folder.sweepDir, membership }));
  assert.equal(child.summary.status, 'completed', child.summary.error);
  assert.ok(child.events.some((event) => event.type === 'run/phase' && /shared teacher/.test(event.detail)), 'teacher loaded');
});

test('child without shared stage is rejected', async () => {
  const folder = workspace(tinyConfig);
  const membership = { sweepId: 's1', index: 0, temperature: 2, softWeight: 0.7, hardWeight: 0.3 };

  await assert.rejects(start(request(folder, { stage: 'child', sweepDir: folder.sweepDir, membership })), /shared stage .* is missing/);
  assert.ok(!existsSync(folder.runsDir), 'no run folder');
});

const ensembleTeacher = {
  ensemble: [
    { model: { type: 'mlp', hidden: [32], dropout: 0.2, inputDropout: 0 }, train: { epochs: 1, batchSize: 64 }, name: 'a' },
    { model: { type: 'mlp', hidden: [48], dropout: 0.2, inputDropout: 0 }, train: { epochs: 1, batchSize: 64 }, name: 'b' },
  ],
  combine: 'arithmetic',
};

test('ensemble child combines at its own T', async () => {
  const folder = workspace({ ...tinyConfig, teacher: ensembleTeacher });

  const shared = await start(request(folder, { stage: 'shared', sweepId: 's1', sweepDir: folder.sweepDir }));
  assert.equal(shared.summary.status, 'completed', shared.summary.error);
  const meta = JSON.parse(readFileSync(path.join(folder.sweepDir, 'shared', 'logits', 'meta.json'), 'utf8'));
  assert.equal(meta.combine, 'arithmetic');
  assert.deepEqual(Object.keys(meta.files), ['a', 'b']);

  // T = 8 differs from the config's T = 4, at which the shared stage evaluated the ensemble.
  const membership = { sweepId: 's1', index: 1, temperature: 8, softWeight: 0.7, hardWeight: 0.3 };
  const child = await start(request(folder, { stage: 'child', sweepDir: folder.sweepDir, membership }));
  assert.equal(child.summary.status, 'completed', child.summary.error);
  assert.deepEqual(child.summary.ensemble, shared.summary.ensemble);

  const { sweep: _sweep, ...plainConfig } = tinyConfig;
  const plainFolder = workspace({ ...plainConfig, teacher: ensembleTeacher, distillation: { temperature: 8, softWeight: 0.7, hardWeight: 0.3 } });
  const plain = await start(request(plainFolder));
  assert.equal(plain.summary.models.distilled?.errors, child.summary.models.distilled?.errors);
});

test('ensemble child with jitter loads the members', async () => {
  const folder = workspace({ ...tinyConfig, teacher: ensembleTeacher, data: { ...tinyConfig.data, testExamples: 200 }, student: { ...tinyConfig.student, augment: { jitter: 1 } } });

  const shared = await start(request(folder, { stage: 'shared', sweepId: 's1', sweepDir: folder.sweepDir }));
  assert.equal(shared.summary.status, 'completed', shared.summary.error);

  const membership = { sweepId: 's1', index: 0, temperature: 2, softWeight: 0.7, hardWeight: 0.3 };
  const child = await start(request(folder, { stage: 'child', sweepDir: folder.sweepDir, membership }));
  assert.equal(child.summary.status, 'completed', child.summary.error);
  assert.ok(child.events.some((event) => event.type === 'run/phase' && /2 shared ensemble members/.test(event.detail)), 'members loaded');
});
