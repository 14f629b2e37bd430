// The on-disk layout of one run, `<runsDir>/<yyyymmdd-hhmmss>-<name>/`:
//   config.json    resolved configuration
//   events.jsonl   one worker event a line, each with an ISO `time`; append-only
//   summary.json   latest RunSummary, replaced atomically (temp file + rename)
//   models/<role>/ model.json + weights.bin (TensorFlow.js layers format)
//   softened/      logits of a fixed test subset per model, for the distributions view
//   worker.log     human-readable log lines
// The worker writes all of it, so a run survives the window or terminal that started it.

import { appendFileSync, existsSync, mkdirSync, promises as fs, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import type { DistillConfig, ModelRole } from '../config/types';
import type { RunSummary, StoredSubsetLayout, WorkerEvent } from '../protocol/messages';

export interface StoredLogits extends StoredSubsetLayout {
  labels: Int32Array;
  inputs: Float32Array;
  logits: Partial<Record<ModelRole, Float32Array>>;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Formats a date as yyyymmdd-hhmmss in local time. */
export function runTimestamp(date: Date): string {
  const day = `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
  return `${day}-${time}`;
}

/** Reduces a config name to characters safe in a folder name on every platform. */
export function safeRunName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned.length > 0 ? cleaned.slice(0, 64) : 'run';
}

function writeFileAtomically(file: string, contents: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

export class RunStore {
  readonly runId: string;
  readonly runDir: string;

  private constructor(runId: string, runDir: string) {
    this.runId = runId;
    this.runDir = runDir;
  }

  /** Creates a new, empty run folder; adds -2, -3, … when two runs start in the same second. */
  static create(runsDir: string, name: string, now: Date = new Date()): RunStore {
    mkdirSync(runsDir, { recursive: true });
    const base = `${runTimestamp(now)}-${safeRunName(name)}`;
    for (let attempt = 1; attempt < 1000; attempt += 1) {
      const runId = attempt === 1 ? base : `${base}-${attempt}`;
      const runDir = path.join(runsDir, runId);
      try {
        mkdirSync(runDir);
        return new RunStore(runId, runDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw error;
        }
      }
    }
    throw new Error(`Cannot create a run folder for "${name}" in ${runsDir}: 999 folders with that name and time exist.`);
  }

  /** Opens `runDir` as the folder of `runId`, creating it when needed; a sweep's shared stage is written this way. */
  static open(runDir: string, runId: string): RunStore {
    mkdirSync(runDir, { recursive: true });
    return new RunStore(runId, runDir);
  }

  writeConfig(config: DistillConfig): void {
    writeFileAtomically(path.join(this.runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  appendEvent(event: WorkerEvent, time: Date = new Date()): void {
    appendFileSync(path.join(this.runDir, 'events.jsonl'), `${JSON.stringify({ time: time.toISOString(), ...event })}\n`);
  }

  writeSummary(summary: RunSummary): void {
    writeFileAtomically(path.join(this.runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }

  log(level: string, message: string, time: Date = new Date()): void {
    appendFileSync(path.join(this.runDir, 'worker.log'), `${time.toISOString()} [${level}] [${this.runId}] ${message}\n`);
  }

  /** Folder of a saved model: a role, or another model such as `teacher-<member>` or `distilled-adjusted`. */
  modelDir(name: ModelRole | string): string {
    return path.join(this.runDir, 'models', name);
  }

  /** Writes softened/meta.json, labels.i32, inputs.(u8|f32) and <role>.f32 logits. */
  async writeStoredLogits(stored: StoredLogits): Promise<void> {
    const folder = path.join(this.runDir, 'softened');
    await fs.mkdir(folder, { recursive: true });
    const roles = Object.keys(stored.logits) as ModelRole[];
    const meta = {
      count: stored.count,
      classes: stored.classes,
      features: stored.features,
      shape: stored.shape,
      inputFormat: stored.inputFormat,
      roles,
      files: {
        labels: 'labels.i32',
        inputs: stored.inputFormat === 'uint8' ? 'inputs.u8' : 'inputs.f32',
        logits: Object.fromEntries(roles.map((role) => [role, `${role}.f32`])),
      },
      byteOrder: 'little-endian',
    };

    await fs.writeFile(path.join(folder, 'labels.i32'), Buffer.from(stored.labels.buffer, stored.labels.byteOffset, stored.labels.byteLength));
    if (stored.inputFormat === 'uint8') {
      const bytes = new Uint8Array(stored.inputs.length);
      stored.inputs.forEach((value, index) => {
        bytes[index] = Math.max(0, Math.min(255, Math.round(value * 255)));
      });
      await fs.writeFile(path.join(folder, 'inputs.u8'), bytes);
    } else {
      await fs.writeFile(path.join(folder, 'inputs.f32'), Buffer.from(stored.inputs.buffer, stored.inputs.byteOffset, stored.inputs.byteLength));
    }
    for (const role of roles) {
      const logits = stored.logits[role] as Float32Array;
      await fs.writeFile(path.join(folder, `${role}.f32`), Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
    }
    writeFileAtomically(path.join(folder, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  }
}

export type StoredEvent = WorkerEvent & { time: string };

/**
 * Reads events.jsonl. A live worker may still be writing the last line, so that line is skipped
 * when it does not parse. Any other bad line is reported through `onBadLine`.
 */
export function readEvents(file: string, onBadLine?: (line: number, text: string) => void): StoredEvent[] {
  if (!existsSync(file)) {
    return [];
  }
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const events: StoredEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      return;
    }
    try {
      events.push(JSON.parse(line) as StoredEvent);
    } catch {
      const isUnfinishedLast = index === lines.length - 1;
      if (!isUnfinishedLast) {
        onBadLine?.(index + 1, line);
      }
    }
  });
  return events;
}

/** Returns the parsed summary.json, or undefined when it is absent or unreadable. */
export function readSummary(runDir: string): RunSummary | undefined {
  try {
    return JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummary;
  } catch {
    return undefined;
  }
}
