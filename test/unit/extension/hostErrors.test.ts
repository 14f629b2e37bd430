// Host-written run errors: the English text stored in summary.json, and the same error rendered
// in French from its reason through the French l10n bundle.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createSourceLocalizer } from '../../../src/extension/format';
import { describeHostError, hostErrorText, localizeRunError, parseHostErrorReason } from '../../../src/extension/runs/hostErrors';
import type { HostErrorReason } from '../../../src/protocol/messages';
import { createFrenchLocalizer } from './frenchLocalizer';

const french = createFrenchLocalizer();
const english = createSourceLocalizer();

const everyReason: HostErrorReason[] = [
  { code: 'worker-script-missing', path: '/ext/dist/worker.js' },
  { code: 'worker-start-failed', detail: 'spawn EACCES' },
  { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: true },
  { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: false },
  { code: 'worker-exited', exitCode: 3, wroteOutput: true },
  { code: 'worker-stopped', wroteOutput: false },
  { code: 'cancel-timeout', graceMs: 5000 },
  { code: 'worker-gone', pid: 4242 },
  { code: 'worker-on-other-host', hostname: 'gpu-box', pid: 4242 },
  { code: 'no-worker' },
  { code: 'summary-unreadable', runDir: '/w/.distill/runs/r' },
];

test('English text of host errors', () => {
  assert.equal(hostErrorText({ code: 'worker-killed', signal: 'SIGKILL', wroteOutput: true }), 'The worker was killed by signal SIGKILL before the run ended.');
  assert.equal(
    hostErrorText({ code: 'worker-killed', signal: 'SIGKILL', wroteOutput: false }),
    'The worker was killed by signal SIGKILL before the run ended. It wrote no output.',
  );
  assert.equal(
    hostErrorText({ code: 'worker-exited', exitCode: 3, wroteOutput: true }, ['line 1', 'line 2']),
    'The worker exited with code 3 before the run ended.\nLast output:\nline 1\nline 2',
  );
  assert.equal(
    hostErrorText({ code: 'worker-gone', pid: 4242 }),
    'Marked interrupted: its worker (pid 4242) is no longer running. Metrics written before it stopped are kept.',
  );
});

test('every reason has a French sentence', () => {
  for (const reason of everyReason) {
    const sentence = describeHostError(reason, french);
    assert.notEqual(sentence, describeHostError(reason, english), `${reason.code} is not translated`);
    assert.ok(!sentence.includes('{'), `${reason.code} leaves a placeholder: ${sentence}`);
    assert.deepEqual(parseHostErrorReason(JSON.parse(JSON.stringify(reason))), reason, `${reason.code} does not survive summary.json`);
  }
});

test('localizeRunError with a reason', () => {
  const reason: HostErrorReason = { code: 'worker-killed', signal: 'SIGKILL', wroteOutput: true };
  const stored = hostErrorText(reason, ['RangeError: out of memory']);

  assert.equal(
    localizeRunError(stored, reason, french),
    "Le processus d’entraînement a été tué par le signal SIGKILL avant la fin de l’exécution.\nDernière sortie :\nRangeError: out of memory",
  );
  assert.equal(localizeRunError(stored, reason, english), stored);
});

test('localizeRunError without a known reason', () => {
  const stored = 'The worker was killed by signal SIGKILL before the run ended.';

  // Runs written before errorReason existed, and errors the worker wrote itself.
  assert.equal(localizeRunError(stored, undefined, french), stored);
  assert.equal(localizeRunError('Loss is NaN at epoch 3.', undefined, french), 'Loss is NaN at epoch 3.');
  // A code from a newer version, or arguments of the wrong type.
  assert.equal(localizeRunError(stored, { code: 'worker-frozen', seconds: 3 }, french), stored);
  assert.equal(localizeRunError(stored, { code: 'worker-killed', signal: 9, wroteOutput: true }, french), stored);
  assert.equal(localizeRunError(undefined, { code: 'no-worker' }, french), undefined);
});

test('parseHostErrorReason rejects bad values', () => {
  assert.equal(parseHostErrorReason(undefined), undefined);
  assert.equal(parseHostErrorReason('worker-gone'), undefined);
  assert.equal(parseHostErrorReason([{ code: 'no-worker' }]), undefined);
  assert.equal(parseHostErrorReason({ code: 'worker-gone' }), undefined);
  assert.equal(parseHostErrorReason({ code: 'worker-gone', pid: 1.5 }), undefined);
  assert.equal(parseHostErrorReason({ code: 'worker-exited', exitCode: 1 }), undefined);
  assert.deepEqual(parseHostErrorReason({ code: 'worker-exited', exitCode: 1, wroteOutput: false }), { code: 'worker-exited', exitCode: 1, wroteOutput: false });
});
