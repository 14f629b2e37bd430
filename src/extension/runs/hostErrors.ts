// Errors that the extension host writes into a run's summary.json itself, such as a killed worker.
// summary.json keeps the English text in `error`, which the CLI, CI and other machines read, and
// the code with its arguments in `errorReason`, from which the tree and the notifications render
// the same sentence in the UI's language. Errors without a known reason (the worker's own, or
// runs written before `errorReason` existed) are shown as stored.

import type { HostErrorReason } from '../../protocol/messages';
import { createSourceLocalizer, firstLine, type Localizer } from '../format';

/** Heading of the worker's last output lines, on the line after the error's sentence. */
const LAST_OUTPUT_HEADING = 'Last output:';

const englishLocalizer = createSourceLocalizer();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function isBoolean(value: unknown): value is boolean {
  return typeof value === 'boolean';
}

/**
 * Returns `value` as a HostErrorReason when its code is known and its arguments have the
 * expected types, and undefined otherwise, such as for a code written by a newer version.
 */
export function parseHostErrorReason(value: unknown): HostErrorReason | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const reason = value as Record<string, unknown> & HostErrorReason;
  switch (reason.code) {
    case 'worker-script-missing':
      return isString(reason.path) ? reason : undefined;
    case 'worker-start-failed':
      return isString(reason.detail) ? reason : undefined;
    case 'worker-killed':
      return isString(reason.signal) && isBoolean(reason.wroteOutput) ? reason : undefined;
    case 'worker-exited':
      return isWholeNumber(reason.exitCode) && isBoolean(reason.wroteOutput) ? reason : undefined;
    case 'worker-stopped':
      return isBoolean(reason.wroteOutput) ? reason : undefined;
    case 'cancel-timeout':
      return isWholeNumber(reason.graceMs) ? reason : undefined;
    case 'worker-gone':
      return isWholeNumber(reason.pid) ? reason : undefined;
    case 'worker-on-other-host':
      return isString(reason.hostname) && isWholeNumber(reason.pid) ? reason : undefined;
    case 'no-worker':
      return reason;
    case 'summary-unreadable':
      return isString(reason.runDir) ? reason : undefined;
    default:
      return undefined;
  }
}

function withOutputNote(sentence: string, wroteOutput: boolean, l10n: Localizer): string {
  return wroteOutput ? sentence : `${sentence} ${l10n.t('It wrote no output.')}`;
}

/** Renders the one-line sentence of a host-written error in the language of `l10n`. */
export function describeHostError(reason: HostErrorReason, l10n: Localizer): string {
  switch (reason.code) {
    case 'worker-script-missing':
      return l10n.t('The worker could not start: the worker script {0} is missing. Build the extension with `npm run build`.', reason.path);
    case 'worker-start-failed':
      return l10n.t('The worker could not start: {0}.', reason.detail);
    case 'worker-killed':
      return withOutputNote(l10n.t('The worker was killed by signal {0} before the run ended.', reason.signal), reason.wroteOutput, l10n);
    case 'worker-exited':
      return withOutputNote(l10n.t('The worker exited with code {0} before the run ended.', reason.exitCode), reason.wroteOutput, l10n);
    case 'worker-stopped':
      return withOutputNote(l10n.t('The worker stopped before the run ended.'), reason.wroteOutput, l10n);
    case 'cancel-timeout':
      return l10n.t('Cancelled: the worker did not exit within {0} ms of the cancel request, so it was killed.', reason.graceMs);
    case 'worker-gone':
      return l10n.t('Marked interrupted: its worker (pid {0}) is no longer running. Metrics written before it stopped are kept.', reason.pid);
    case 'worker-on-other-host':
      return l10n.t(
        'Marked interrupted: the run was started on host {0}, where this window cannot check its worker (pid {1}). Metrics written before it stopped are kept.',
        reason.hostname,
        reason.pid,
      );
    case 'no-worker':
      return l10n.t('Marked interrupted: no worker is running it. Metrics written before it stopped are kept.');
    case 'summary-unreadable':
      return l10n.t("summary.json in {0} is unreadable and events.jsonl has no run/started event, so the run's status is unknown.", reason.runDir);
  }
}

/**
 * Builds the English error text stored in summary.json: the reason's sentence, then, when
 * `outputTail` is not empty, the worker's last output lines under a heading.
 */
export function hostErrorText(reason: HostErrorReason, outputTail: readonly string[] = []): string {
  const sentence = describeHostError(reason, englishLocalizer);
  return outputTail.length === 0 ? sentence : `${sentence}\n${LAST_OUTPUT_HEADING}\n${outputTail.join('\n')}`;
}

/**
 * Returns a run's error in the language of `l10n`: the sentence rendered from `reason` followed
 * by the lines stored after the first one, or `error` unchanged when `reason` is missing or
 * unknown. The worker's output lines stay as written.
 */
export function localizeRunError(error: string | undefined, reason: unknown, l10n: Localizer): string | undefined {
  const known = parseHostErrorReason(reason);
  if (error === undefined || known === undefined) {
    return error;
  }

  const sentence = describeHostError(known, l10n);
  const rest = error.slice(firstLine(error).length);
  const heading = `\n${LAST_OUTPUT_HEADING}\n`;
  if (rest.startsWith(heading)) {
    return `${sentence}\n${l10n.t('Last output:')}\n${rest.slice(heading.length)}`;
  }
  return `${sentence}${rest}`;
}
