// Runs the built worker through RunManager on tiny configs that finish in about a second, so
// `npm run build` must run first (`npm test` does). A fake worker,
// test/fixtures/workers/fake-worker.js, shows behaviour that the real one never shows.

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { readEvents, readSummary } from '../../../src/engine/runStore';
import { isProcessAlive } from '../../../src/extension/runs/runIndex';
import { chooseWorkerThreads, RunManager, type ForkFunction, type RunHandle, type RunManagerOptions, type RunOutcome } from '../../../src/extension/runs/runManager';
import type { HostRequest, WorkerEvent } from '../../../src/protocol/messages';

const workerPath = path.resolve(__dirname, '..', '..', '..', 'dist', 'worker.js');
const fakeWorkerPath = path.resolve(__dirname, '..', '..', 'fixtures', 'workers', 'fake-worker.js');

const tinyConfig = {
  name: 'manager-tiny',
  data: { source: 'mnist', validation: 200, trainExamples: 1200, testExamples: 500 },
  teacher: { model: { type: 'mlp', hidden: [64], dropout: 0.2, inputDropout: 0 }, train: { epochs: 2, batchSize: 64 } },
  student: { model: { type: 'mlp', hidden: [16] }, train: { epochs: 2, batchSize: 64 } },
  transfer: { examples: 600 },
};

/** Trains the teacher for 200 epochs, so the run is still going when a test stops it. */
const slowTeacherConfig = { ...tinyConfig, name: 'manager-slow-teacher', teacher: { ...tinyConfig.teacher, train: { epochs: 200, batchSize: 64 } } };

/** Trains the students for 200 epochs, so the teacher's metrics are written long before the end. */
const slowStudentConfig = { ...tinyConfig, name: 'manager-slow-student', student: { ...tinyConfig.student, train: { epochs: 200, batchSize: 64 } } };

const testTimeout = { timeout: 60_000 };

interface Workspace {
  runsDir: string;
  configPath: string;
  configText: string;
}

function makeWorkspace(config: unknown): Workspace {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-run-manager-'));
  const configPath = path.join(folder, 'distill.json');
  const configText = JSON.stringify(config, null, 2);
  writeFileSync(configPath, configText);
  return { runsDir: path.join(folder, '.distill', 'runs'), configPath, configText };
}

interface LogLine {
  level: string;
  message: string;
}

function makeManager(options: Partial<RunManagerOptions> = {}): { manager: RunManager; logLines: LogLine[] } {
  assert.ok(existsSync(workerPath), 'dist/worker.js is missing: run `npm run build` first');
  const logLines: LogLine[] = [];
  const manager = new RunManager({
    workerPath,
    maxConcurrent: 1,
    log: (level, message) => logLines.push({ level, message }),
    ...options,
  });
  return { manager, logLines };
}

/** Forks the fake worker in place of dist/worker.js, with the manager's own arguments and options. */
const forkFakeWorker: ForkFunction = (_modulePath, args, options) => fork(fakeWorkerPath, args, options);

function endOf(manager: RunManager, handle: RunHandle): Promise<RunOutcome> {
  return new Promise((resolve) => {
    const subscription = manager.onDidEnd((outcome) => {
      if (outcome.handle === handle) {
        subscription.dispose();
        resolve(outcome);
      }
    });
  });
}

/** Resolves once the worker of `handle` has sent run/started, that is, once its run folder exists. */
function startOf(manager: RunManager, handle: RunHandle): Promise<void> {
  if (handle.runId !== undefined) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const subscription = manager.onDidReceiveEvent(({ handle: from, event }) => {
      if (from === handle && event.type === 'run/started') {
        subscription.dispose();
        resolve();
      }
    });
  });
}

function runFolders(runsDir: string): string[] {
  return existsSync(runsDir) ? readdirSync(runsDir) : [];
}

test('RunManager completes a run', testTimeout, async () => {
  const { manager, logLines } = makeManager();
  const workspace = makeWorkspace(tinyConfig);
  const received: WorkerEvent[] = [];
  let trackedWhileRunning = false;
  manager.onDidReceiveEvent(({ handle, event }) => {
    received.push(event);
    if (event.type === 'run/started') {
      trackedWhileRunning = manager.isTracked(event.runId) && manager.findByRunId(event.runId) === handle;
    }
  });
  try {
    const handle = manager.start(workspace);
    assert.equal(handle.state, 'running');
    assert.deepEqual(manager.handles(), [handle]);

    const outcome = await endOf(manager, handle);

    assert.equal(outcome.status, 'completed');
    assert.equal(outcome.summary?.status, 'completed');
    assert.equal(handle.state, 'finished');
    assert.ok(handle.runId !== undefined);
    assert.ok(handle.runDir !== undefined);
    assert.equal(handle.lastEpoch?.type, 'run/epoch');
    assert.equal(handle.phase?.type, 'run/phase');
    assert.equal(trackedWhileRunning, true);
    assert.equal(manager.isTracked(handle.runId), false);
    assert.deepEqual(manager.handles(), []);
    assert.equal(readSummary(handle.runDir)?.status, 'completed');
    assert.equal(received[0].type, 'run/started');
    assert.ok(received.some((event) => event.type === 'run/finished'));
    for (const line of logLines) {
      assert.ok(line.message.startsWith(`[${handle.runId}] `) || line.message.startsWith(`[${workspace.configPath}] `), `log line without a run id: ${line.message}`);
    }
  } finally {
    manager.dispose();
  }
});

test('RunManager queue starts the next run', testTimeout, async () => {
  const { manager } = makeManager({ maxConcurrent: 1 });
  const workspace = makeWorkspace(tinyConfig);
  const order: string[] = [];
  let changes = 0;
  manager.onDidChange(() => {
    changes += 1;
  });
  try {
    const first = manager.start(workspace);
    const second = manager.start(workspace);
    assert.equal(first.state, 'running');
    assert.equal(second.state, 'queued');
    assert.deepEqual(manager.handles(), [first, second]);
    manager.onDidReceiveEvent(({ handle, event }) => {
      if (event.type === 'run/started') {
        order.push(`${handle === first ? 'first' : 'second'} started`);
      }
    });
    let secondStateAtFirstEnd: string | undefined;
    manager.onDidEnd((outcome) => {
      order.push(`${outcome.handle === first ? 'first' : 'second'} ended`);
      if (outcome.handle === first) {
        secondStateAtFirstEnd = second.state;
      }
    });

    const [firstOutcome, secondOutcome] = await Promise.all([endOf(manager, first), endOf(manager, second)]);

    assert.equal(firstOutcome.status, 'completed');
    assert.equal(secondOutcome.status, 'completed');
    assert.deepEqual(order, ['first started', 'first ended', 'second started', 'second ended']);
    assert.equal(secondStateAtFirstEnd, 'queued');
    // Two starts, two run ids and two ends at least.
    assert.ok(changes >= 6, `onDidChange fired ${changes} times`);
    assert.equal(runFolders(workspace.runsDir).length, 2);
  } finally {
    manager.dispose();
  }
});

test('RunManager cancels a queued run', testTimeout, async () => {
  const { manager } = makeManager({ maxConcurrent: 1, fork: forkFakeWorker, cancelGraceMs: 200 });
  const workspace = makeWorkspace({ fakeWorker: 'ignore-cancel' });
  try {
    const running = manager.start(workspace);
    const queued = manager.start(workspace);
    const queuedEnd = endOf(manager, queued);

    assert.equal(manager.cancel(queued.key), true);

    const outcome = await queuedEnd;
    assert.equal(outcome.status, 'cancelled');
    assert.equal(queued.state, 'finished');
    assert.equal(queued.cancelRequested, true);
    assert.equal(queued.runId, undefined);
    assert.deepEqual(manager.handles(), [running]);
    assert.equal(manager.cancel(queued.key), false);
    assert.equal(manager.cancel('no-such-key'), false);
    // On a loaded machine the running worker may not have written its folder yet. Disposing the
    // manager kills it after the 200 ms grace, so the count waits until the folder exists.
    await startOf(manager, running);
  } finally {
    manager.dispose();
    await manager.whenIdle();
  }
  assert.equal(runFolders(workspace.runsDir).length, 1, 'only the running run has a folder');
});

test('RunManager cancels a running run', testTimeout, async () => {
  const { manager, logLines } = makeManager();
  const workspace = makeWorkspace(slowTeacherConfig);
  let cancelAccepted = false;
  try {
    const handle = manager.start(workspace);
    manager.onDidReceiveEvent(({ event }) => {
      if (event.type === 'run/epoch' && !handle.cancelRequested) {
        cancelAccepted = manager.cancel(handle.key);
      }
    });

    const outcome = await endOf(manager, handle);

    assert.equal(cancelAccepted, true);
    assert.equal(outcome.status, 'cancelled');
    assert.equal(handle.cancelRequested, true);
    assert.ok(handle.runDir !== undefined);
    assert.equal(readSummary(handle.runDir)?.status, 'cancelled');
    const events = readEvents(path.join(handle.runDir, 'events.jsonl'));
    const epochs = events.filter((event) => event.type === 'run/epoch').length;
    assert.ok(epochs >= 1, `${epochs} epochs on disk`);
    assert.ok(epochs < 200, `${epochs} epochs on disk`);
    const finished = events.find((event) => event.type === 'run/finished');
    assert.ok(finished?.type === 'run/finished');
    assert.equal(finished.status, 'cancelled');
    assert.ok(!logLines.some((line) => line.message.includes('SIGKILL')), 'the worker stopped by itself');
  } finally {
    manager.dispose();
  }
});

test('RunManager reports a rejected config', testTimeout, async () => {
  const { manager } = makeManager();
  const workspace = makeWorkspace({ distillation: { softWeight: 0, hardWeight: 0 } });
  try {
    const handle = manager.start(workspace);

    const outcome = await endOf(manager, handle);

    assert.equal(outcome.status, 'rejected');
    assert.equal(outcome.rejection?.kind, 'config');
    assert.ok((outcome.rejection?.problems.length ?? 0) >= 1);
    assert.equal(handle.runId, undefined);
    assert.deepEqual(runFolders(workspace.runsDir), []);
  } finally {
    manager.dispose();
  }
});

test('RunManager marks a killed worker failed', testTimeout, async () => {
  const { manager } = makeManager();
  const workspace = makeWorkspace(slowStudentConfig);
  try {
    const handle = manager.start(workspace);
    manager.onDidReceiveEvent(({ event }) => {
      // The worker sends the teacher's run/evaluation just before writing summary.json, so the
      // kill waits for the next phase.
      if (event.type === 'run/phase' && event.phase === 'distilled' && handle.pid !== undefined) {
        process.kill(handle.pid, 'SIGKILL');
      }
    });

    const outcome = await endOf(manager, handle);

    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /killed by signal SIGKILL/);
    // The tree and the notification show the first line only.
    assert.equal(outcome.error?.split('\n')[0], 'The worker was killed by signal SIGKILL before the run ended.');
    assert.ok(outcome.stderrTail.length >= 1, 'the worker wrote to stderr before its run started');
    assert.ok(handle.runDir !== undefined);
    const summary = readSummary(handle.runDir);
    assert.equal(summary?.status, 'failed');
    assert.equal(summary?.error, outcome.error);
    // The reason lets the UI show the sentence in its own language; the file stays in English.
    assert.deepEqual(outcome.errorReason, { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: true });
    assert.deepEqual(summary?.errorReason, outcome.errorReason);
    assert.ok(summary?.error?.includes(outcome.stderrTail[outcome.stderrTail.length - 1]), 'the error ends with the output tail');
    assert.ok(summary?.models.teacher !== undefined, 'the teacher metrics are kept');
    assert.ok(summary?.finishedAt !== undefined);
    const events = readEvents(path.join(handle.runDir, 'events.jsonl'));
    const last = events[events.length - 1];
    assert.ok(last.type === 'run/log');
    assert.equal(last.level, 'error');
  } finally {
    manager.dispose();
  }
});

test('RunManager kills a worker that ignores cancel', testTimeout, async () => {
  const { manager, logLines } = makeManager({ fork: forkFakeWorker, cancelGraceMs: 300 });
  const workspace = makeWorkspace({ fakeWorker: 'ignore-cancel' });
  try {
    const handle = manager.start(workspace);
    manager.onDidReceiveEvent(({ event }) => {
      if (event.type === 'run/started') {
        manager.cancel(handle.key);
      }
    });

    const outcome = await endOf(manager, handle);

    assert.equal(outcome.status, 'cancelled');
    assert.match(outcome.error ?? '', /did not exit within 300 ms/);
    assert.ok(logLines.some((line) => line.message.includes('SIGKILL')));
    assert.ok(handle.pid !== undefined);
    assert.equal(isProcessAlive(handle.pid), false);
    assert.ok(handle.runDir !== undefined);
    const summary = readSummary(handle.runDir);
    assert.equal(summary?.status, 'cancelled');
    assert.equal(summary?.models.teacher?.errors, 2);
    assert.deepEqual(summary?.errorReason, { code: 'cancel-timeout', graceMs: 300 });
    assert.equal(summary?.error, 'Cancelled: the worker did not exit within 300 ms of the cancel request, so it was killed.');
  } finally {
    manager.dispose();
  }
});

test('RunManager reports a crash before the run folder', testTimeout, async () => {
  const { manager, logLines } = makeManager({ fork: forkFakeWorker });
  const workspace = makeWorkspace({ fakeWorker: 'crash' });
  try {
    const handle = manager.start(workspace);

    const outcome = await endOf(manager, handle);

    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /exited with code 3/);
    assert.match(outcome.error ?? '', /crashing on purpose/);
    assert.deepEqual(outcome.stderrTail, ['fake worker: crashing on purpose']);
    assert.deepEqual(outcome.errorReason, { code: 'worker-exited', exitCode: 3, wroteOutput: true });
    assert.equal(outcome.error, 'The worker exited with code 3 before the run ended.\nLast output:\nfake worker: crashing on purpose');
    assert.ok(logLines.some((line) => line.level === 'warn' && line.message.includes('not a worker event')));
    assert.deepEqual(runFolders(workspace.runsDir), []);
  } finally {
    manager.dispose();
  }
});

test('RunManager with a missing worker script', testTimeout, async () => {
  const { manager } = makeManager();
  const missing = new RunManager({ workerPath: path.join(tmpdir(), 'no-such-worker.js'), maxConcurrent: 1, log: () => undefined });
  const workspace = makeWorkspace(tinyConfig);
  try {
    const handle = missing.start(workspace);
    assert.equal(handle.state, 'running');

    const outcome = await endOf(missing, handle);

    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /no-such-worker\.js is missing/);
    assert.deepEqual(outcome.errorReason, { code: 'worker-script-missing', path: path.join(tmpdir(), 'no-such-worker.js') });
  } finally {
    missing.dispose();
    manager.dispose();
  }
});

test('RunManager setMaxConcurrent and dispose', testTimeout, async () => {
  const { manager } = makeManager({ maxConcurrent: 1, fork: forkFakeWorker, cancelGraceMs: 200 });
  const workspace = makeWorkspace({ fakeWorker: 'ignore-cancel' });
  let ends = 0;
  manager.onDidEnd(() => {
    ends += 1;
  });
  let started = 0;
  const bothStarted = new Promise<void>((resolve) => {
    manager.onDidReceiveEvent(({ event }) => {
      started += event.type === 'run/started' ? 1 : 0;
      if (started === 2) {
        resolve();
      }
    });
  });
  const first = manager.start(workspace);
  const second = manager.start(workspace);
  assert.equal(second.state, 'queued');
  let changed = false;
  manager.onDidChange(() => {
    changed = true;
  });

  manager.setMaxConcurrent(2);

  assert.equal(second.state, 'running');
  assert.equal(changed, true);
  assert.throws(() => manager.setMaxConcurrent(0), RangeError);
  await bothStarted;

  manager.dispose();
  await manager.whenIdle();

  assert.equal(first.state, 'finished');
  assert.equal(second.state, 'finished');
  assert.equal(ends, 0, 'no events after dispose');
  for (const handle of [first, second]) {
    assert.ok(handle.pid !== undefined);
    assert.equal(isProcessAlive(handle.pid), false);
  }
  const statuses = runFolders(workspace.runsDir).map((runId) => readSummary(path.join(workspace.runsDir, runId))?.status);
  assert.deepEqual(statuses, ['cancelled', 'cancelled']);
  assert.throws(() => manager.start(workspace), /disposed/);
});

test('RunManager rejects maxConcurrent 0', () => {
  assert.throws(() => new RunManager({ workerPath, maxConcurrent: 0, log: () => undefined }), RangeError);
});

test('chooseWorkerThreads shares the cores', () => {
  const cases: { requested?: number; configThreads: number; cores: number; maxConcurrent: number; threads: number | undefined; chosen: boolean }[] = [
    { configThreads: 0, cores: 2, maxConcurrent: 1, threads: 2, chosen: true },
    { configThreads: 0, cores: 2, maxConcurrent: 2, threads: 1, chosen: true },
    { configThreads: 0, cores: 8, maxConcurrent: 3, threads: 2, chosen: true },
    { configThreads: 0, cores: 2, maxConcurrent: 4, threads: 1, chosen: true },
    { requested: 0, configThreads: 0, cores: 4, maxConcurrent: 2, threads: 2, chosen: true },
    { requested: 3, configThreads: 0, cores: 2, maxConcurrent: 2, threads: 3, chosen: false },
    { requested: 3, configThreads: 5, cores: 2, maxConcurrent: 2, threads: 3, chosen: false },
    { configThreads: 4, cores: 2, maxConcurrent: 2, threads: undefined, chosen: false },
  ];
  for (const { requested, configThreads, cores, maxConcurrent, threads, chosen } of cases) {
    const label = `requested ${requested}, config ${configThreads}, ${cores} cores, ${maxConcurrent} at once`;

    const choice = chooseWorkerThreads(requested, configThreads, cores, maxConcurrent);

    assert.equal(choice.threads, threads, label);
    assert.equal(choice.reason !== undefined, chosen, `${label}: reason logged`);
  }
  assert.match(chooseWorkerThreads(undefined, 0, 5, 2).reason ?? '', /^Wasm threads: 2, the 5 cores divided by distill\.maxConcurrentRuns \(2\)/);
});

/**
 * Starts the fake worker, which ignores cancel, with `backend`, cancels it once it has started and
 * returns the run/start request it was sent and the manager's log.
 */
async function startRecordingRequest(backend: string | undefined, backendOption?: string): Promise<{ start: HostRequest | undefined; runId: string | undefined; logLines: LogLine[] }> {
  const requests: HostRequest[] = [];
  const recordingFork: ForkFunction = (modulePath, args, options) => {
    const child = forkFakeWorker(modulePath, args, options);
    const send = child.send.bind(child);
    child.send = ((message: HostRequest, ...rest: unknown[]) => {
      requests.push(message);
      return (send as (...parameters: unknown[]) => boolean)(message, ...rest);
    }) as typeof child.send;
    return child;
  };
  const { manager, logLines } = makeManager({ fork: recordingFork, cancelGraceMs: 300, maxConcurrent: 2, availableCores: 5 });
  const workspace = makeWorkspace({ fakeWorker: 'ignore-cancel' });
  try {
    const handle = manager.start({ ...workspace, backend, backendOption });
    manager.onDidReceiveEvent(({ event }) => {
      if (event.type === 'run/started') {
        manager.cancel(handle.key);
      }
    });
    await endOf(manager, handle);
    return { start: requests.find((request) => request.type === 'run/start'), runId: handle.runId, logLines };
  } finally {
    manager.dispose();
  }
}

test('RunManager sends and logs the threads share', testTimeout, async () => {
  const { start, runId, logLines } = await startRecordingRequest(undefined);

  assert.equal(start?.type === 'run/start' ? start.threads : 'no run/start', 2);
  assert.ok(runId !== undefined);
  const threadsLine = logLines.find((line) => line.message.includes('Wasm threads:'));
  assert.equal(threadsLine?.message.startsWith(`[${runId}] Wasm threads: 2, the 5 cores`), true, threadsLine?.message ?? 'no threads line');
});

test('cpu run keeps requested threads', testTimeout, async () => {
  const { start, logLines } = await startRecordingRequest('cpu');

  assert.equal(start?.type === 'run/start' ? start.threads : 'no run/start', undefined);
  assert.equal(logLines.some((line) => line.message.includes('Wasm threads:')), false);
});

test('backend source reaches the worker', testTimeout, async () => {
  const { start } = await startRecordingRequest('cpu', 'the distill.defaultBackend setting');

  assert.equal(start?.type === 'run/start' ? start.backendOption : 'no run/start', 'the distill.defaultBackend setting');
});
