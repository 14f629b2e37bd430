// Reads a run folder for the results and compare panels: summary, config, the events appended
// since the last read, and the softened/ subset. The layout is described in
// src/engine/runStore.ts. No `vscode` import, so node's test runner loads this file directly.

import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import * as path from 'node:path';

import type { ModelRole } from '../../config/types';
import { readSummary } from '../../engine/runStore';
import { isWorkerEvent, type RunEpochEvent, type RunStatus, type RunSummary } from '../../protocol/messages';
import type { CompareRun, ResultsSnapshotMessage, SoftenedSubset, StoredWorkerEvent } from '../../protocol/webview';

const modelRoles: readonly ModelRole[] = ['teacher', 'distilled', 'baseline'];

/**
 * Reads events.jsonl incrementally. Each call returns the complete lines appended since the
 * previous call. A last line without its newline may be half-written by the worker, so it waits
 * for the next call. runStore.readEvents reads the whole file and keeps no offset, but live
 * updates must continue at the byte where the snapshot stopped, hence this reader.
 */
export class EventsReader {
  private offset = 0;
  private lineNumber = 0;

  constructor(
    readonly file: string,
    private readonly onBadLine: (line: number, text: string) => void = () => undefined,
  ) {}

  readNew(): StoredWorkerEvent[] {
    let descriptor: number;
    try {
      descriptor = openSync(this.file, 'r');
    } catch {
      // No events.jsonl yet: the worker writes summary.json first.
      return [];
    }

    let bytes: Buffer;
    try {
      const size = fstatSync(descriptor).size;
      if (size < this.offset) {
        // events.jsonl is append-only; a shorter file was replaced, so start over.
        this.onBadLine(0, `events.jsonl shrank from ${this.offset} to ${size} bytes; reading it again from the start`);
        this.offset = 0;
        this.lineNumber = 0;
      }
      bytes = Buffer.alloc(size - this.offset);
      let filled = 0;
      while (filled < bytes.length) {
        const read = readSync(descriptor, bytes, filled, bytes.length - filled, this.offset + filled);
        if (read === 0) {
          break;
        }
        filled += read;
      }
      bytes = bytes.subarray(0, filled);
    } finally {
      closeSync(descriptor);
    }

    const lastNewline = bytes.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      return [];
    }
    this.offset += lastNewline + 1;

    const events: StoredWorkerEvent[] = [];
    for (const line of bytes.subarray(0, lastNewline).toString('utf8').split('\n')) {
      this.lineNumber += 1;
      if (line.trim() === '') {
        continue;
      }
      try {
        const value: unknown = JSON.parse(line);
        if (isWorkerEvent(value)) {
          events.push(value as StoredWorkerEvent);
        } else {
          this.onBadLine(this.lineNumber, line);
        }
      } catch {
        this.onBadLine(this.lineNumber, line);
      }
    }
    return events;
  }
}

function statusFromEvents(events: readonly StoredWorkerEvent[]): RunStatus {
  const finished = events.filter((event) => event.type === 'run/finished').pop();
  if (finished?.type === 'run/finished') {
    return finished.status;
  }
  return events.some((event) => event.type === 'run/started') ? 'running' : 'queued';
}

function nameFromEvents(events: readonly StoredWorkerEvent[]): string | undefined {
  const started = events.find((event) => event.type === 'run/started');
  return started?.type === 'run/started' && typeof started.config?.name === 'string' ? started.config.name : undefined;
}

/** Reads config.json; returns undefined with a warning when it is missing or not JSON. */
export function readConfig(runDir: string, warnings: string[]): unknown {
  const file = path.join(runDir, 'config.json');
  if (!existsSync(file)) {
    warnings.push(`config.json is missing in ${runDir}, so the config is unknown.`);
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    warnings.push(`config.json in ${runDir} is not valid JSON (${error instanceof Error ? error.message : String(error)}).`);
    return undefined;
  }
}

function readSummaryWithWarning(runDir: string, warnings: string[]): RunSummary | undefined {
  const summary = readSummary(runDir);
  if (summary === undefined && existsSync(path.join(runDir, 'summary.json'))) {
    warnings.push(`summary.json in ${runDir} is unreadable; the view shows what events.jsonl records.`);
  }
  return summary;
}

function isShape(value: unknown): value is [number, number, number] {
  return Array.isArray(value) && value.length === 3 && value.every((size) => Number.isInteger(size) && size > 0);
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  // A Buffer may be a view into a larger shared pool, so copy exactly its bytes.
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/**
 * Reads softened/ (meta.json, labels.i32, inputs.u8 or inputs.f32, <role>.f32). Returns undefined
 * while meta.json is absent: the worker writes it last. A folder whose files disagree with
 * meta.json returns undefined and a warning that names the file.
 */
export function readSoftened(runDir: string, warnings: string[]): SoftenedSubset | undefined {
  const folder = path.join(runDir, 'softened');
  const metaFile = path.join(folder, 'meta.json');
  if (!existsSync(metaFile)) {
    return undefined;
  }

  try {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    const { count, classes, features, shape, inputFormat } = meta;
    if (
      !Number.isInteger(count) ||
      !Number.isInteger(classes) ||
      !Number.isInteger(features) ||
      !isShape(shape) ||
      (inputFormat !== 'uint8' && inputFormat !== 'float32')
    ) {
      warnings.push(`softened/meta.json in ${runDir} lacks count, classes, features, shape or inputFormat; the distributions view is off.`);
      return undefined;
    }

    const readChecked = (name: string, bytes: number): ArrayBuffer => {
      const contents = readFileSync(path.join(folder, name));
      if (contents.byteLength !== bytes) {
        throw new Error(`softened/${name} has ${contents.byteLength} bytes, but meta.json (${count} examples) needs ${bytes}`);
      }
      return toArrayBuffer(contents);
    };

    const exampleCount = count as number;
    const classCount = classes as number;
    const featureCount = features as number;
    const labels = readChecked('labels.i32', exampleCount * 4);
    const inputs =
      inputFormat === 'uint8' ? readChecked('inputs.u8', exampleCount * featureCount) : readChecked('inputs.f32', exampleCount * featureCount * 4);
    const logits: Partial<Record<ModelRole, ArrayBuffer>> = {};
    for (const role of modelRoles) {
      if (existsSync(path.join(folder, `${role}.f32`))) {
        logits[role] = readChecked(`${role}.f32`, exampleCount * classCount * 4);
      }
    }

    return { count: exampleCount, classes: classCount, features: featureCount, shape, inputFormat, labels, inputs, logits };
  } catch (error) {
    warnings.push(`The softened/ folder in ${runDir} is unreadable: ${error instanceof Error ? error.message : String(error)}.`);
    return undefined;
  }
}

/** Reads a run folder into a results snapshot; `reader` starts at the file's beginning and stays at its end. */
export function readResultsSnapshot(runId: string, runDir: string, reader: EventsReader, warnings: string[] = []): ResultsSnapshotMessage {
  const summary = readSummaryWithWarning(runDir, warnings);
  const events = reader.readNew();
  const config = readConfig(runDir, warnings);
  const softened = readSoftened(runDir, warnings);
  return {
    type: 'results/snapshot',
    runId,
    runName: summary?.name ?? nameFromEvents(events) ?? runId,
    status: summary?.status ?? statusFromEvents(events),
    summary,
    config,
    events,
    softened,
    warnings,
  };
}

/** Reads the parts of a run folder that the compare view needs. */
export function readCompareRun(runId: string, runDir: string, reader: EventsReader, warnings: string[]): CompareRun {
  const summary = readSummaryWithWarning(runDir, warnings);
  const events = reader.readNew();
  const epochs = events.filter((event): event is RunEpochEvent & { time?: string } => event.type === 'run/epoch');
  return {
    runId,
    runName: summary?.name ?? nameFromEvents(events) ?? runId,
    status: summary?.status ?? statusFromEvents(events),
    summary,
    config: readConfig(runDir, warnings),
    epochs,
  };
}

/** True when the events include the run's end, after which the folder changes no more. */
export function includesFinish(events: readonly StoredWorkerEvent[]): boolean {
  return events.some((event) => event.type === 'run/finished');
}

/** True for the statuses of a run whose worker has reported its end. */
export function isFinalStatus(status: RunStatus): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'failed' || status === 'interrupted';
}
