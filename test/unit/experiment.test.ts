import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { ConfigError } from '../../src/config/problems';
import { loadDataset } from '../../src/engine/data/dataset';
import { runExperiment } from '../../src/engine/experiment';
import { buildModel } from '../../src/engine/models/build';
import { loadModel, ModelLoadError, saveModel } from '../../src/engine/models/modelIo';
import { readEvents, readSummary } from '../../src/engine/runStore';
import type { WorkerEvent } from '../../src/protocol/messages';

/** A config small enough to run in a few seconds on real MNIST. */
const tinyConfig = {
  name: 'tiny',
  backend: 'wasm',
  data: { source: 'mnist', validation: 200, trainExamples: 1200, testExamples: 500 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 2, batchSize: 64 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 2, batchSize: 64 } },
  distillation: { temperature: 4 },
  transfer: { examples: 600 },
  evaluation: { storedLogits: 50 },
};

function writeConfig(config: unknown): { configPath: string; runsDir: string } {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-experiment-'));
  const configPath = path.join(folder, 'distill.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { configPath, runsDir: path.join(folder, '.distill', 'runs') };
}

async function run(config: unknown, shouldStop: (events: WorkerEvent[]) => boolean = () => false) {
  const { configPath, runsDir } = writeConfig(config);
  const events: WorkerEvent[] = [];
  const summary = await runExperiment(
    { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir },
    { emit: (event) => events.push(event), shouldStop: () => shouldStop(events) },
    () => undefined,
  );
  return { summary, events, runDir: path.join(runsDir, summary.runId), runsDir };
}

test('completed run writes the whole run folder', async () => {
  const { summary, events, runDir } = await run(tinyConfig);
  assert.equal(summary.status, 'completed');
  assert.equal(summary.backend, 'wasm');
  for (const role of ['teacher', 'distilled', 'baseline'] as const) {
    const evaluation = summary.models[role];
    assert.ok(evaluation !== undefined, `${role} evaluated`);
    assert.equal(evaluation.examples, 500);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), 500);
    assert.equal(evaluation.errors, 500 - evaluation.confusion.reduce((sum, row, k) => sum + row[k], 0));
    assert.ok(existsSync(path.join(runDir, 'models', role, 'model.json')), `${role} model saved`);
    evaluation.meanSoftened.forEach((row) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6));
  }
  assert.equal(summary.models.distilled?.parameters, summary.models.baseline?.parameters);

  const stored = readEvents(path.join(runDir, 'events.jsonl'));
  assert.deepEqual(
    stored.map((event) => event.type),
    events.map((event) => event.type),
  );
  assert.equal(stored[0].type, 'run/started');
  assert.equal(stored[stored.length - 1].type, 'run/finished');
  const epochs = stored.filter((event) => event.type === 'run/epoch');
  assert.equal(epochs.length, 6);
  const distilledEpochs = epochs.filter((event) => event.type === 'run/epoch' && event.role === 'distilled');
  distilledEpochs.forEach((event) => assert.ok(event.type === 'run/epoch' && event.softLoss !== undefined && event.hardLoss !== undefined));
  assert.ok(stored.some((event) => event.type === 'run/phase' && event.phase === 'teacher-logits'), 'teacher logits cached');

  assert.deepEqual(readSummary(runDir), summary);
  assert.equal(summary.pid, process.pid);
  assert.match(summary.configPath, /distill\.json$/);
  const config = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8'));
  assert.equal(config.distillation.temperature, 4);
  assert.equal(config.distillation.softWeight, 0.9);
  assert.match(readFileSync(path.join(runDir, 'worker.log'), 'utf8'), /\[info\] \[\d{8}-\d{6}-tiny\] Run .* started/);

  const meta = JSON.parse(readFileSync(path.join(runDir, 'softened', 'meta.json'), 'utf8'));
  assert.equal(meta.count, 50);
  assert.equal(readFileSync(path.join(runDir, 'softened', 'distilled.f32')).byteLength, 50 * 10 * 4);
  assert.equal(readFileSync(path.join(runDir, 'softened', 'inputs.u8')).byteLength, 50 * 784);
});

test('saved model reproduces the reported errors', async () => {
  const { summary, runDir } = await run(tinyConfig);
  const model = await loadModel(path.join(runDir, 'models', 'distilled', 'model.json'));
  const data = await loadDataset({ source: 'mnist', validation: 0, normalization: 'unit', testExamples: 500, trainExamples: 1 }, process.cwd());
  const predictions = Array.from(tf.tidy(() => (model.predict(tf.tensor2d(data.test.x, [500, 784])) as tf.Tensor).argMax(1).dataSync()));
  const errors = predictions.filter((predicted, i) => predicted !== data.test.y[i]).length;
  assert.equal(errors, summary.models.distilled?.errors);

  const bytes = readFileSync(path.join(runDir, 'softened', 'distilled.f32'));
  const storedLogits = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const reference = tf.tidy(() => (model.predict(tf.tensor2d(data.test.x.subarray(0, 50 * 784), [50, 784])) as tf.Tensor).dataSync());
  storedLogits.forEach((value, i) => assert.ok(Math.abs(value - reference[i]) < 1e-4, `logit ${i}`));
});

test('same config gives the same errors', async () => {
  const first = await run(tinyConfig);
  const second = await run(tinyConfig);
  for (const role of ['teacher', 'distilled', 'baseline'] as const) {
    assert.equal(first.summary.models[role]?.errors, second.summary.models[role]?.errors, role);
  }
});

test('summary says running while training', async () => {
  let statusSeen: string | undefined;
  await run(tinyConfig, (events) => {
    const started = events.find((event) => event.type === 'run/started');
    if (statusSeen === undefined && started !== undefined && started.type === 'run/started') {
      statusSeen = readSummary(started.runDir)?.status;
    }
    return false;
  });
  assert.equal(statusSeen, 'running');
});

test('cancel keeps what was written', async () => {
  const { summary, runDir } = await run(tinyConfig, (events) =>
    events.some((event) => event.type === 'run/epoch' && event.role === 'distilled'),
  );
  assert.equal(summary.status, 'cancelled');
  assert.ok(summary.models.teacher !== undefined, 'teacher evaluation kept');
  assert.equal(summary.models.baseline, undefined);
  assert.equal(readSummary(runDir)?.status, 'cancelled');
  const stored = readEvents(path.join(runDir, 'events.jsonl'));
  assert.ok(stored.some((event) => event.type === 'run/epoch' && event.role === 'distilled'));
  const finished = stored[stored.length - 1];
  assert.ok(finished.type === 'run/finished', finished.type);
  assert.equal(finished.status, 'cancelled');
  assert.ok(existsSync(path.join(runDir, 'models', 'teacher', 'model.json')));
});

test('augmented student gets teacher logits per batch', async () => {
  const { summary, events } = await run({ ...tinyConfig, student: { ...tinyConfig.student, augment: { jitter: 1 } } });
  assert.equal(summary.status, 'completed');
  assert.ok(!events.some((event) => event.type === 'run/phase' && event.phase === 'teacher-logits'));
});

test('loaded teacher is evaluated, not trained', async () => {
  const first = await run(tinyConfig);
  const teacherPath = path.join(first.runDir, 'models', 'teacher', 'model.json');
  const { summary, events } = await run({ ...tinyConfig, teacher: { load: teacherPath } });
  assert.equal(summary.status, 'completed');
  assert.equal(summary.models.teacher?.errors, first.summary.models.teacher?.errors);
  assert.equal(summary.models.teacher?.trainingSeconds, 0);
  assert.ok(!events.some((event) => event.type === 'run/epoch' && event.role === 'teacher'));
});

test('teacher with wrong class count is rejected', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-teacher-'));
  const sevenClasses = buildModel({ type: 'mlp', hidden: [8], activation: 'relu', dropout: 0, inputDropout: 0 }, { features: 784, shape: [28, 28, 1], classes: 7 }, 1);
  await saveModel(sevenClasses, folder);
  const teacherPath = path.join(folder, 'model.json');
  const { configPath, runsDir } = writeConfig({ ...tinyConfig, teacher: { load: teacherPath } });
  await assert.rejects(
    runExperiment(
      { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir },
      { emit: () => undefined, shouldStop: () => false },
      () => undefined,
    ),
    (error: unknown) => {
      assert.ok(error instanceof ModelLoadError, String(error));
      assert.match(error.message, /shape \[batch, 7\]/);
      assert.match(error.message, /10 classes/);
      return true;
    },
  );
  assert.ok(!existsSync(runsDir), 'no run folder');
});

test('teacher with corrupt weights is rejected', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-teacher-'));
  const model = buildModel({ type: 'mlp', hidden: [8], activation: 'relu', dropout: 0, inputDropout: 0 }, { features: 784, shape: [28, 28, 1], classes: 10 }, 1);
  await saveModel(model, folder);
  writeFileSync(path.join(folder, 'weights.bin'), Buffer.alloc(12));
  const teacherPath = path.join(folder, 'model.json');
  await assert.rejects(run({ ...tinyConfig, teacher: { load: teacherPath } }), ModelLoadError);
});

test('invalid config creates no run folder', async () => {
  const { configPath, runsDir } = writeConfig({ ...tinyConfig, distillation: { temperature: 'hot' } });
  await assert.rejects(
    runExperiment(
      { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir },
      { emit: () => undefined, shouldStop: () => false },
      () => undefined,
    ),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 1);
      assert.equal(error.problems[0].path, '/distillation/temperature');
      return true;
    },
  );
  assert.ok(!existsSync(runsDir) || readdirSync(runsDir).length === 0);
});

test('oversized transfer set is rejected up front', async () => {
  const { configPath, runsDir } = writeConfig({ ...tinyConfig, transfer: { examples: 5000 } });
  await assert.rejects(
    runExperiment(
      { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir },
      { emit: () => undefined, shouldStop: () => false },
      () => undefined,
    ),
    (error: unknown) => {
      // trainExamples 1200 minus 200 validation examples leaves 1000, which the config check computes without the data.
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.problems.length, 1);
      assert.equal(error.problems[0].path, '/transfer/examples');
      assert.match(error.problems[0].message, /5000 transfer examples are requested, but only 1000/);
      return true;
    },
  );
  assert.ok(!existsSync(runsDir), 'no run folder');
});
