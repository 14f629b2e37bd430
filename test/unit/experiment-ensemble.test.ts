// End-to-end engine runs on small MNIST subsets: ensemble teachers, bias adjustment and a
// separate transfer source.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { loadDataset, loadTransferSource } from '../../src/engine/data/dataset';
import { DataError } from '../../src/engine/data/errors';
import { runExperiment } from '../../src/engine/experiment';
import { buildModel } from '../../src/engine/models/build';
import { ModelLoadError, saveModel } from '../../src/engine/models/modelIo';
import { readEvents } from '../../src/engine/runStore';
import type { WorkerEvent } from '../../src/protocol/messages';

const tinyMember = { model: { type: 'mlp', hidden: [32], dropout: 0.2, inputDropout: 0 }, train: { epochs: 1, batchSize: 64 } };

const tinyConfig = {
  name: 'tiny-ensemble',
  backend: 'wasm',
  data: { source: 'mnist', validation: 300, trainExamples: 1500, testExamples: 500 },
  teacher: {
    ensemble: [
      { ...tinyMember, name: 'a' },
      { ...tinyMember, model: { ...tinyMember.model, hidden: [48] }, name: 'b', seed: 9 },
    ],
  },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 2, batchSize: 64 } },
  distillation: { temperature: 4 },
  transfer: { examples: 600 },
  evaluation: { storedLogits: 20 },
};

function writeConfig(config: unknown): { configPath: string; runsDir: string } {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-ensemble-'));
  const configPath = path.join(folder, 'distill.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return { configPath, runsDir: path.join(folder, '.distill', 'runs') };
}

async function run(config: unknown) {
  const { configPath, runsDir } = writeConfig(config);
  const events: WorkerEvent[] = [];
  const summary = await runExperiment(
    { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir },
    { emit: (event) => events.push(event), shouldStop: () => false },
    () => undefined,
  );
  return { summary, events, runDir: path.join(runsDir, summary.runId) };
}

async function savedTeacher(classes: number): Promise<string> {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-member-'));
  const model = buildModel({ type: 'mlp', hidden: [8], activation: 'relu', dropout: 0, inputDropout: 0 }, { features: 784, shape: [28, 28, 1], classes }, 5);
  await saveModel(model, folder);
  model.dispose();
  return path.join(folder, 'model.json');
}

test('ensemble members trained and evaluated', async () => {
  const { summary, events, runDir } = await run(tinyConfig);

  assert.equal(summary.status, 'completed', summary.error);
  assert.equal(summary.ensemble?.combine, 'arithmetic');
  assert.deepEqual(
    summary.ensemble?.members.map((member) => member.member),
    ['a', 'b'],
  );
  for (const member of summary.ensemble?.members ?? []) {
    assert.equal(member.role, 'teacher');
    assert.equal(member.examples, 500);
    assert.ok(member.trainingSeconds > 0);
    assert.ok(existsSync(path.join(runDir, 'models', `teacher-${member.member}`, 'model.json')), `${member.member} saved`);
  }
  const teacher = summary.models.teacher;
  assert.ok(teacher !== undefined);
  assert.equal(teacher.member, undefined);
  assert.equal(teacher.parameters, (summary.ensemble?.members ?? []).reduce((sum, member) => sum + member.parameters, 0));
  // The ensemble's mean softened distributions are means of probabilities, so each row sums to 1.
  teacher.meanSoftened.forEach((row) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6));

  const stored = readEvents(path.join(runDir, 'events.jsonl'));
  const teacherEpochs = stored.filter((event) => event.type === 'run/epoch' && event.role === 'teacher');
  assert.deepEqual(
    teacherEpochs.map((event) => (event.type === 'run/epoch' ? event.member : undefined)),
    ['a', 'b'],
  );
  assert.ok(stored.some((event) => event.type === 'run/progress' && event.member === 'b'));
  const evaluations = events.filter((event) => event.type === 'run/evaluation');
  assert.deepEqual(
    evaluations.map((event) => (event.type === 'run/evaluation' ? `${event.evaluation.role}:${event.evaluation.member ?? ''}` : '')),
    ['teacher:a', 'teacher:b', 'teacher:', 'distilled:', 'baseline:'],
  );
});

test('member seeds change the members', async () => {
  const sameModel = {
    ...tinyConfig,
    teacher: { ensemble: [{ ...tinyMember, name: 'a' }, { ...tinyMember, name: 'b' }] },
    baseline: false,
  };
  const { summary } = await run(sameModel);
  const [first, second] = summary.ensemble?.members ?? [];

  // Same architecture and data, default seeds 100 and 101: the confusion matrices differ.
  assert.notDeepEqual(first.confusion, second.confusion);
});

test('loaded member is evaluated only', async () => {
  const memberPath = await savedTeacher(10);
  const { summary, events } = await run({
    ...tinyConfig,
    teacher: { ensemble: [{ ...tinyMember, name: 'a' }, { load: memberPath, name: 'loaded' }], combine: 'geometric' },
  });

  assert.equal(summary.status, 'completed', summary.error);
  assert.equal(summary.ensemble?.combine, 'geometric');
  const loaded = summary.ensemble?.members[1];
  assert.equal(loaded?.member, 'loaded');
  assert.equal(loaded?.trainingSeconds, 0);
  assert.ok(!events.some((event) => event.type === 'run/epoch' && event.member === 'loaded'));
});

test('loaded member with wrong classes rejected', async () => {
  const memberPath = await savedTeacher(7);
  const { configPath, runsDir } = writeConfig({
    ...tinyConfig,
    teacher: { ensemble: [{ ...tinyMember, name: 'a' }, { load: memberPath, name: 'seven' }] },
  });

  await assert.rejects(
    runExperiment(
      { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir },
      { emit: () => undefined, shouldStop: () => false },
      () => undefined,
    ),
    (error: unknown) => {
      assert.ok(error instanceof ModelLoadError, String(error));
      assert.match(error.message, /^The ensemble member "seven" /);
      assert.match(error.message, /shape \[batch, 7\], but the data has 10 classes/);
      return true;
    },
  );
  assert.ok(!existsSync(runsDir), 'no run folder');
});

test('bias adjustment fills the summary', async () => {
  const { summary, events, runDir } = await run({
    ...tinyConfig,
    teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 2, batchSize: 64 } },
    baseline: false,
    transfer: { examples: 600, omitClasses: [3], adjustBias: { min: 0, max: 4, step: 0.5 } },
  });

  assert.equal(summary.status, 'completed', summary.error);
  const adjustment = summary.biasAdjustment;
  assert.ok(adjustment !== undefined);
  assert.deepEqual(adjustment.classes, [3]);
  assert.equal(adjustment.offsets.length, 1);
  assert.ok(adjustment.offsets[0] >= 0);
  assert.ok(adjustment.offsets[0] <= 4);
  assert.ok(adjustment.validationErrorsAfter <= adjustment.validationErrorsBefore);
  assert.equal(adjustment.testErrorsBefore, summary.models.distilled?.errors);
  assert.equal(adjustment.testErrorsAfter, adjustment.evaluation.errors);

  const distilled = summary.models.distilled;
  assert.ok(distilled !== undefined);
  // Errors on 3s before: the row of 3s in the unadjusted confusion matrix, off its diagonal.
  const threes = distilled.confusion[3];
  assert.equal(adjustment.classTestExamples[0], threes.reduce((a, b) => a + b, 0));
  assert.equal(adjustment.classTestErrorsBefore[0], adjustment.classTestExamples[0] - threes[3]);
  const adjustedThrees = adjustment.evaluation.confusion[3];
  assert.equal(adjustment.classTestErrorsAfter[0], adjustment.classTestExamples[0] - adjustedThrees[3]);
  // A higher class-3 bias never makes a 3 less likely to be predicted as 3.
  assert.ok(adjustment.classTestErrorsAfter[0] <= adjustment.classTestErrorsBefore[0]);

  assert.ok(existsSync(path.join(runDir, 'models', 'distilled-adjusted', 'model.json')));
  assert.ok(events.some((event) => event.type === 'run/phase' && event.phase === 'bias-adjustment'));
  assert.match(readFileSync(path.join(runDir, 'worker.log'), 'utf8'), /Bias adjustment: validation errors \d+ → \d+, test errors \d+ → \d+; class 3: offset/);
});

test('transfer source replaces the transfer set', async () => {
  const { summary, events } = await run({
    ...tinyConfig,
    teacher: { model: { type: 'mlp', hidden: [32] }, train: { epochs: 1, batchSize: 64 } },
    baseline: false,
    transfer: { examples: 700, source: { source: 'mnist' } },
  });

  assert.equal(summary.status, 'completed', summary.error);
  assert.ok(events.some((event) => event.type === 'run/phase' && event.phase === 'teacher-logits' && event.detail.includes('700 transfer examples')));
});

test('transfer source with other features rejected', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-transfer-'));
  writeFileSync(path.join(folder, 'train.csv'), 'label,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n');
  writeFileSync(path.join(folder, 'test.csv'), 'label,a,b\n0,1,2\n1,3,4\n');
  writeFileSync(path.join(folder, 'transfer.csv'), 'label,a,b,c\n0,1,2,3\n');
  const dataConfig = { source: 'csv', train: 'train.csv', test: 'test.csv', labelColumn: 'label', header: 'auto', validation: 1, normalization: 'standard' } as const;
  const data = await loadDataset(dataConfig, folder);

  await assert.rejects(
    loadTransferSource({ source: 'csv', train: 'transfer.csv', test: 'test.csv', labelColumn: 'label', header: 'auto' }, dataConfig, data, folder),
    (error: unknown) => {
      assert.ok(error instanceof DataError, String(error));
      assert.match(error.message, /transfer\.source has 3 features of shape \[1, 3, 1\], but data has 2 features of shape \[1, 2, 1\]/);
      assert.equal(error.setting, '/transfer/source');
      return true;
    },
  );
});

test('transfer source classes beyond data rejected', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-transfer-'));
  writeFileSync(path.join(folder, 'train.csv'), 'label,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n');
  writeFileSync(path.join(folder, 'test.csv'), 'label,a,b\n0,1,2\n1,3,4\n');
  writeFileSync(path.join(folder, 'transfer.csv'), 'label,a,b\n0,1,2\n4,3,4\n');
  const dataConfig = { source: 'csv', train: 'train.csv', test: 'test.csv', labelColumn: 'label', header: 'auto', validation: 1, normalization: 'standard' } as const;
  const data = await loadDataset(dataConfig, folder);

  await assert.rejects(
    loadTransferSource({ source: 'csv', train: 'transfer.csv', test: 'test.csv', labelColumn: 'label', header: 'auto' }, dataConfig, data, folder),
    /transfer\.source has examples of class 4, but data has classes 0\.\.1/,
  );
});

test('transfer source uses data statistics', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-transfer-'));
  // Training rows before validation: a = 1, 3, 5 (mean 3, deviation √(8/3)); b = 2, 4, 6.
  writeFileSync(path.join(folder, 'train.csv'), 'label,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n');
  writeFileSync(path.join(folder, 'test.csv'), 'label,a,b\n0,1,2\n1,3,4\n');
  writeFileSync(path.join(folder, 'transfer.csv'), 'label,a,b\n1,3,4\n0,5,2\n');
  const dataConfig = { source: 'csv', train: 'train.csv', test: 'test.csv', labelColumn: 'label', header: 'auto', validation: 1, normalization: 'standard' } as const;
  const data = await loadDataset(dataConfig, folder);

  const transfer = await loadTransferSource({ source: 'csv', train: 'transfer.csv', test: 'test.csv', labelColumn: 'label', header: 'auto' }, dataConfig, data, folder);

  const deviation = Math.sqrt(8 / 3);
  assert.equal(transfer.count, 2);
  assert.deepEqual(Array.from(transfer.y), [1, 0]);
  const expected = [0, 0, 2 / deviation, -2 / deviation];
  Array.from(transfer.x).forEach((value, index) => assert.ok(Math.abs(value - expected[index]) < 1e-6, `${index}: ${value}`));
});
