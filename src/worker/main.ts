// Child-process entry of a run. The extension host forks this file with an IPC channel and sends
// one `run/start` request. The worker streams every event back, writes the run folder itself,
// and exits when the run ends. A `run/cancel` request stops training at the next batch.

import { runExperiment } from '../engine/experiment';
import { toRejection } from '../engine/inputErrors';
import { isRunCancelRequest, isRunStartRequest, type RunStartRequest, type WorkerEvent } from '../protocol/messages';

let cancelRequested = false;
let started = false;

function send(event: WorkerEvent): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) {
      resolve();
      return;
    }
    process.send(event, undefined, {}, () => resolve());
  });
}

function logToStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function start(request: RunStartRequest): Promise<number> {
  try {
    const summary = await runExperiment(
      request,
      {
        emit: (event) => {
          void send(event);
        },
        shouldStop: () => cancelRequested,
      },
      logToStderr,
    );
    return summary.status === 'failed' ? 1 : 0;
  } catch (error) {
    const rejection = toRejection(error);
    if (rejection !== undefined) {
      logToStderr(rejection.message);
      await send(rejection);
      return 2;
    }
    logToStderr(error instanceof Error && error.stack !== undefined ? error.stack : String(error));
    await send({ type: 'run/rejected', runId: '', kind: 'internal', message: error instanceof Error ? error.message : String(error), problems: [] });
    return 1;
  }
}

if (process.send === undefined) {
  logToStderr('The Distill Lab worker runs as a child process with an IPC channel; use `distill run` from a terminal.');
  process.exit(2);
}

process.on('message', (message: unknown) => {
  if (isRunCancelRequest(message)) {
    cancelRequested = true;
    return;
  }
  if (isRunStartRequest(message) && !started) {
    started = true;
    void start(message).then(async (exitCode) => {
      await send({ type: 'run/log', runId: '', level: 'info', message: 'Worker exiting.' });
      process.disconnect();
      process.exitCode = exitCode;
    });
    return;
  }
  logToStderr(`Ignored an unexpected message: ${JSON.stringify(message).slice(0, 200)}`);
});

// When the host closes the channel, no process can receive events any more, so stop at the next batch.
process.on('disconnect', () => {
  cancelRequested = true;
});
