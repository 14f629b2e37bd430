// Messages between the extension host and the results and compare webviews, with type guards.
// Every message is `{ type: 'scope/name', ... }`. The webview sends `webview/ready`; the host
// answers with a full snapshot, then sends live events. Messages from the webview name runs by
// id only, never by path: the host resolves ids to run folders itself.
// This module has no runtime dependencies besides its guards.

import type { ModelRole } from '../config/types';
import type { RunEpochEvent, RunStatus, RunSummary, StoredSubsetLayout, SweepSummary, WorkerEvent } from './messages';

/** A worker event as stored in events.jsonl, with its ISO `time`; absent on events that never reached the file. */
export type StoredWorkerEvent = WorkerEvent & { time?: string };

/**
 * The contents of a run's softened/ folder: logits of a fixed subset of the test split. The
 * buffers are the files' bytes, little-endian, so the webview decodes them with an explicit byte
 * order whatever machine the host runs on.
 */
export interface SoftenedSubset extends StoredSubsetLayout {
  /** Int32 labels, `count` values. */
  labels: ArrayBuffer;
  /** Uint8 or Float32 inputs, `count × features` values. */
  inputs: ArrayBuffer;
  /** Float32 logits per model, `count × classes` values, row-major. */
  logits: Partial<Record<ModelRole, ArrayBuffer>>;
}

// Host -> results webview.

export interface ResultsSnapshotMessage {
  type: 'results/snapshot';
  runId: string;
  /** The config's `name`, or the run id when it is unknown. */
  runName: string;
  status: RunStatus;
  /** Undefined while summary.json is missing or unreadable. */
  summary?: RunSummary;
  /** The resolved config from config.json; undefined when it is missing or unreadable. */
  config?: unknown;
  /** Every event of events.jsonl so far, in order. */
  events: StoredWorkerEvent[];
  /** Undefined until the run has written softened/, which it does just before it finishes. */
  softened?: SoftenedSubset;
  /** Problems met while reading the run folder, as sentences for the user. */
  warnings: string[];
}

/** Events appended to events.jsonl since the previous snapshot or events message. */
export interface ResultsEventsMessage {
  type: 'results/events';
  runId: string;
  events: StoredWorkerEvent[];
}

/** Sent once the run has written softened/, after the snapshot. */
export interface ResultsSoftenedMessage {
  type: 'results/softened';
  runId: string;
  softened: SoftenedSubset;
}

/** The run cannot be shown, such as when its folder was deleted. */
export interface ResultsErrorMessage {
  type: 'results/error';
  runId: string;
  message: string;
}

/**
 * The sweep that the run is a child of, sent after the snapshot and again when sweep.json changes.
 * The host finds the sweep from the run's summary, so the webview never names it.
 */
export interface ResultsSweepMessage {
  type: 'results/sweep';
  runId: string;
  sweep: SweepSummary;
}

export type ResultsHostMessage = ResultsSnapshotMessage | ResultsEventsMessage | ResultsSoftenedMessage | ResultsErrorMessage | ResultsSweepMessage;

// Host -> compare webview.

export interface CompareRun {
  runId: string;
  runName: string;
  status: RunStatus;
  summary?: RunSummary;
  config?: unknown;
  /** The run's run/epoch events, in order, for the overlaid curves. */
  epochs: RunEpochEvent[];
}

export interface CompareSnapshotMessage {
  type: 'compare/snapshot';
  runs: CompareRun[];
  /** Runs that were requested but could not be read, as sentences for the user. */
  warnings: string[];
}

/** New events of one compared run; only run/epoch, run/evaluation and run/finished are sent. */
export interface CompareEventsMessage {
  type: 'compare/events';
  runId: string;
  events: StoredWorkerEvent[];
}

export type CompareHostMessage = CompareSnapshotMessage | CompareEventsMessage;

export type HostToWebviewMessage = ResultsHostMessage | CompareHostMessage;

// Webview -> host.

/** The webview's script has loaded and listens; the host answers with a snapshot. */
export interface WebviewReadyMessage {
  type: 'webview/ready';
}

/** Opens the results panel of one run, from the compare panel. */
export interface WebviewOpenRunMessage {
  type: 'webview/openRun';
  runId: string;
}

/** An error caught in the webview, for the host's log. */
export interface WebviewErrorMessage {
  type: 'webview/error';
  message: string;
}

export type WebviewToHostMessage = WebviewReadyMessage | WebviewOpenRunMessage | WebviewErrorMessage;

/** State that a webview keeps with `setState`; VS Code hands it to the serializer after a window reload. */
export interface ResultsPanelState {
  view: 'results';
  runId: string;
}

export interface ComparePanelState {
  view: 'compare';
  runIds: string[];
}

export type PanelState = ResultsPanelState | ComparePanelState;

/** Longest run id accepted from a webview; run folder names are a timestamp plus at most 64 characters and a suffix. */
export const maxRunIdLength = 128;

/** Longest error text accepted from a webview; longer texts are rejected rather than logged. */
export const maxWebviewErrorLength = 4000;

/** Most runs one compare panel shows. */
export const maxComparedRuns = 8;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns true for a string that can be a run folder's name: letters, digits, `.`, `_` and `-`,
 * not `.` or `..`. Such a string cannot climb out of the runs folder when joined to it.
 */
export function isRunId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= maxRunIdLength &&
    /^[A-Za-z0-9._-]+$/.test(value) &&
    value !== '.' &&
    value !== '..'
  );
}

export function isWebviewReadyMessage(value: unknown): value is WebviewReadyMessage {
  return isRecord(value) && value.type === 'webview/ready';
}

export function isWebviewOpenRunMessage(value: unknown): value is WebviewOpenRunMessage {
  return isRecord(value) && value.type === 'webview/openRun' && isRunId(value.runId);
}

export function isWebviewErrorMessage(value: unknown): value is WebviewErrorMessage {
  return isRecord(value) && value.type === 'webview/error' && typeof value.message === 'string' && value.message.length <= maxWebviewErrorLength;
}

export function isWebviewToHostMessage(value: unknown): value is WebviewToHostMessage {
  return isWebviewReadyMessage(value) || isWebviewOpenRunMessage(value) || isWebviewErrorMessage(value);
}

export function isResultsPanelState(value: unknown): value is ResultsPanelState {
  return isRecord(value) && value.view === 'results' && isRunId(value.runId);
}

export function isComparePanelState(value: unknown): value is ComparePanelState {
  return (
    isRecord(value) &&
    value.view === 'compare' &&
    Array.isArray(value.runIds) &&
    value.runIds.length >= 1 &&
    value.runIds.length <= maxComparedRuns &&
    value.runIds.every(isRunId)
  );
}

const hostMessageTypes: ReadonlySet<string> = new Set([
  'results/snapshot',
  'results/events',
  'results/softened',
  'results/error',
  'results/sweep',
  'compare/snapshot',
  'compare/events',
]);

/** Checks the `type` only: the host is trusted, and this keeps unrelated window messages out. */
export function isHostToWebviewMessage(value: unknown): value is HostToWebviewMessage {
  return isRecord(value) && typeof value.type === 'string' && hostMessageTypes.has(value.type);
}
