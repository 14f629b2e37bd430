// SweepRunner with a fake worker (test/fixtures/workers/fake-sweep-worker.js): statuses in
// sweep.json, a failed child, cancel, and the concurrency limit.

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { ConfigError } from '../../src/config/problems';
import type { RunStartRequest, SweepSummary } from '../../src/protocol/messages';
import { SweepRunner, type ForkFunction, type SweepRunnerOptions } from '../../src/sweep/sweepRunner';
import { readSweepSummary } from '../../src/sweep/sweepStore';

const fakeWorker = path.resolve(__dirname, '..', 'fixtures', 'workers', 'fake-sweep-worker.js');

function runner(sweep: unknown, overrides: Partial<SweepRunnerOptions> = {}): SweepRunner {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-sweep-runner-'));
  return new SweepRunner({
    workerPath: fakeWorker,
    configText: JSON.stringify({ name: 'fake', sweep }),
    configPath: path.join(folder, 'distill.json'),
    runsDir: path.join(folder, '.distill', 'runs'),
    availableCores: 2,
    cancelGraceMs: 2000,
    log: () => undefined,
    ...overrides,
  });
}

test('sweep records every child', async () => {
  const sweep = runner({ temperature: [1, 5], softWeight: [0.5, 0.9] });

  const { summary } = await sweep.run();

  assert.equal(summary.status, 'completed');
  assert.equal(summary.concurrency, 2);
  assert.equal(summary.teacher?.errors, 50);
  assert.equal(summary.baseline?.errors, 200);
  assert.deepEqual(
    summary.children.map((child) => [child.temperature, child.softWeight, child.status, child.runId, child.errors]),
    [
      [1, 0.5, 'completed', 'fake-child-0', 100],
      [1, 0.9, 'completed', 'fake-child-1', 101],
      [5, 0.5, 'completed', 'fake-child-2', 102],
      [5, 0.9, 'completed', 'fake-child-3', 103],
    ],
  );
  assert.deepEqual(readSweepSummary(sweep.sweepDir), summary);
  assert.match(sweep.sweepDir, /\.distill[/\\]sweeps[/\\]\d{8}-\d{6}-fake$/);
});

test('sweep.json names its orchestrator', () => {
  const sweep = runner({ temperature: [1], softWeight: [0.5] });

  const written = readSweepSummary(sweep.sweepDir);

  assert.equal(written?.pid, process.pid);
  assert.equal(written?.hostname, hostname());
});

test('failed child leaves others running', async () => {
  const sweep = runner({ temperature: [13, 2], softWeight: [0.9] });

  const { summary } = await sweep.run();

  assert.equal(summary.status, 'failed');
  assert.equal(summary.children[0].status, 'failed');
  assert.match(summary.children[0].error ?? '', /exited with code 3.*fake worker: crashing/);
  assert.equal(summary.children[1].status, 'completed');
  assert.match(summary.error ?? '', /1 of 2 child runs did not complete: T = 13 · soft 0\.9/);
});

test('cancel stops running and queued children', async () => {
  const updates: SweepSummary['status'][] = [];
  const sweep = runner({ temperature: [99, 2, 3], softWeight: [0.9], concurrency: 1 }, { onUpdate: (summary) => updates.push(summary.status) });
  const done = sweep.run();
  await waitFor(() => sweep.summary.children[0].status === 'running' && sweep.summary.children[0].runId !== undefined);

  sweep.cancel();
  const { summary } = await done;

  assert.equal(summary.status, 'cancelled');
  assert.deepEqual(
    summary.children.map((child) => child.status),
    ['cancelled', 'cancelled', 'cancelled'],
  );
  assert.equal(readSweepSummary(sweep.sweepDir)?.status, 'cancelled');
  assert.ok(updates.includes('running'), 'running status written');
});

test('concurrency limits live workers', async () => {
  let live = 0;
  let maxLive = 0;
  const sweep = runner({ temperature: [1, 2, 3, 4, 5], softWeight: [0.9], concurrency: 2 }, {
    onEvent: (source, event) => {
      if (source.stage !== 'child') {
        return;
      }
      if (event.type === 'run/started') {
        live += 1;
        maxLive = Math.max(maxLive, live);
      } else if (event.type === 'run/finished') {
        live -= 1;
      }
    },
  });

  const { summary } = await sweep.run();

  assert.equal(summary.status, 'completed');
  assert.equal(maxLive, 2);
});

/** Forks the fake worker and appends every message sent to it to `requests`. */
function forkRecordingRequests(requests: RunStartRequest[]): ForkFunction {
  return (modulePath, args, options) => {
    const child = fork(modulePath, args, options);
    const send = child.send.bind(child) as (message: unknown) => boolean;
    child.send = ((message: RunStartRequest) => {
      requests.push(message);
      return send(message);
    }) as typeof child.send;
    return child;
  };
}

test('workers get their share of cores', async () => {
  const requests: RunStartRequest[] = [];
  const recordingFork = forkRecordingRequests(requests);
  const sweep = runner({ temperature: [1, 2, 3], softWeight: [0.9], concurrency: 2 }, { availableCores: 4, fork: recordingFork });

  await sweep.run();

  const threadsByStage = requests.map((request) => [request.sweep?.stage, request.threads, request.sharedCores]);
  assert.deepEqual(threadsByStage, [
    ['shared', 4, undefined],
    ['child', 2, 4],
    ['child', 2, 4],
    ['child', 2, 4],
  ]);
});

test('threads option is capped per worker', async () => {
  const requests: RunStartRequest[] = [];
  const recordingFork = forkRecordingRequests(requests);
  const sweep = runner({ temperature: [1, 2], softWeight: [0.9], concurrency: 2 }, { availableCores: 2, threads: 2, fork: recordingFork });

  await sweep.run();

  assert.deepEqual(
    requests.map((request) => request.threads),
    [2, 1, 1],
  );
  // The children get fewer threads than requested: their share of the 2 cores.
  assert.deepEqual(
    requests.map((request) => request.sharedCores),
    [undefined, 2, 2],
  );
});

test('requested threads within the share', async () => {
  const requests: RunStartRequest[] = [];
  const recordingFork = forkRecordingRequests(requests);
  const sweep = runner({ temperature: [1, 2], softWeight: [0.9], concurrency: 2 }, { availableCores: 4, threads: 1, fork: recordingFork });

  await sweep.run();

  assert.deepEqual(
    requests.map((request) => [request.threads, request.sharedCores]),
    [
      [1, undefined],
      [1, undefined],
      [1, undefined],
    ],
  );
});

test('backend source reaches every worker', async () => {
  const requests: RunStartRequest[] = [];
  const sweep = runner({ temperature: [1, 2], softWeight: [0.9], concurrency: 1 }, { backend: 'cpu', backendOption: '--backend', fork: forkRecordingRequests(requests) });

  await sweep.run();

  assert.deepEqual(
    requests.map((request) => [request.backend, request.backendOption]),
    [
      ['cpu', '--backend'],
      ['cpu', '--backend'],
      ['cpu', '--backend'],
    ],
  );
});

test('config without sweep is rejected', () => {
  assert.throws(() => runner(undefined), /has no "sweep" section/);
});

test('invalid sweep throws config error', () => {
  assert.throws(() => runner({ softWeight: [] }), ConfigError);
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) {
      throw new Error('Timed out waiting for the condition.');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
