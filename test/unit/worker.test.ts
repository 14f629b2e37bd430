// Forks the built worker (`npm run build` first; `npm test` does) the way the extension host does.

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { isWorkerEvent, type HostRequest, type WorkerEvent } from '../../src/protocol/messages';

const workerPath = path.resolve(__dirname, '..', '..', 'dist', 'worker.js');

const tinyConfig = {
  name: 'worker-tiny',
  data: { source: 'mnist', validation: 200, trainExamples: 1200, testExamples: 500 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 2, batchSize: 64 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 2, batchSize: 64 } },
  transfer: { examples: 600 },
};

interface WorkerOutcome {
  events: WorkerEvent[];
  exitCode: number | null;
}

/** Starts the worker on `config`; `onEvent` may send further requests, such as a cancel. */
function runWorker(config: unknown, onEvent: (event: WorkerEvent, send: (request: HostRequest) => void) => void = () => undefined): Promise<WorkerOutcome> {
  assert.ok(existsSync(workerPath), 'dist/worker.js is missing: run `npm run build` first');
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-worker-'));
  const configPath = path.join(folder, 'distill.json');
  const configText = JSON.stringify(config, null, 2);
  writeFileSync(configPath, configText);

  const child = fork(workerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  const events: WorkerEvent[] = [];
  const send = (request: HostRequest): void => {
    child.send(request);
  };
  child.on('message', (message: unknown) => {
    assert.ok(isWorkerEvent(message), `not a worker event: ${JSON.stringify(message)}`);
    events.push(message);
    onEvent(message, send);
  });
  send({ type: 'run/start', configText, configPath, runsDir: path.join(folder, '.distill', 'runs') });
  return new Promise((resolve) => child.on('exit', (exitCode) => resolve({ events, exitCode })));
}

test('worker streams a completed run', async () => {
  const { events, exitCode } = await runWorker(tinyConfig);
  assert.equal(exitCode, 0);
  assert.equal(events[0].type, 'run/started');
  const finished = events.find((event) => event.type === 'run/finished');
  assert.ok(finished !== undefined, 'run/finished received');
  assert.ok(finished.type === 'run/finished');
  assert.equal(finished.status, 'completed');
  assert.equal(events.filter((event) => event.type === 'run/evaluation').length, 3);
});

test('worker stops on run/cancel', async () => {
  const slow = { ...tinyConfig, teacher: { ...tinyConfig.teacher, train: { epochs: 200, batchSize: 64 } } };
  let cancelled = false;
  const { events, exitCode } = await runWorker(slow, (event, send) => {
    if (!cancelled && event.type === 'run/epoch') {
      cancelled = true;
      send({ type: 'run/cancel' });
    }
  });
  assert.equal(exitCode, 0);
  const finished = events.find((event) => event.type === 'run/finished');
  assert.ok(finished !== undefined, 'run/finished received');
  assert.ok(finished.type === 'run/finished');
  assert.equal(finished.status, 'cancelled');
  assert.ok(events.filter((event) => event.type === 'run/epoch').length < 200);
});

test('worker rejects an invalid config', async () => {
  const { events, exitCode } = await runWorker({ distillation: { softWeight: 0, hardWeight: 0 } });
  assert.equal(exitCode, 2);
  const rejected = events.find((event) => event.type === 'run/rejected');
  assert.ok(rejected !== undefined, 'run/rejected received');
  assert.ok(rejected.type === 'run/rejected');
  assert.equal(rejected.kind, 'config');
  assert.ok(rejected.problems.length >= 1);
  assert.ok(rejected.problems.every((problem) => problem.line >= 1 && problem.column >= 1));
});
