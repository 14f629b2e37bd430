// The shared stage of a sweep, `<sweepDir>/shared/`, computed once before the children:
//   a run-folder layout (config.json, events.jsonl, summary.json with the teacher's and the
//   baseline's evaluations, worker.log, models/teacher|baseline/, softened/ with their test logits)
//   plus logits/meta.json and logits/teacher.f32: the teacher's logits on the transfer set.
// Each child reads it back here instead of training the teacher and the baseline again.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import type { ModelRole } from '../../config/types';
import type { ModelEvaluation } from '../../protocol/messages';
import { readSummary } from '../runStore';

/** Contents of logits/meta.json. */
interface TransferLogitsMeta {
  /** Transfer examples, in the order of the transfer set. */
  count: number;
  classes: number;
  /** One float32 file per teacher: `teacher` for a single teacher. */
  files: Record<string, string>;
  byteOrder: 'little-endian';
}

/** What a child takes from the shared stage. */
export interface SharedStage {
  teacher: ModelEvaluation;
  baseline?: ModelEvaluation;
  /** Logits of the first stored test examples, as the shared stage wrote them to softened/. */
  testLogits: Partial<Record<ModelRole, Float32Array>>;
  /** The teacher's logits on the transfer set; absent when the student uses jitter, so no fixed inputs exist. */
  transferLogits?: Float32Array;
  /** Folder of the teacher's model.json, for children that call the teacher per batch. */
  teacherModelDir: string;
}

export function sharedStageDir(sweepDir: string): string {
  return path.join(sweepDir, 'shared');
}

/** Writes the teacher's logits on the transfer set to `<sharedDir>/logits/`. */
export async function writeTransferLogits(sharedDir: string, logits: Float32Array, count: number, classes: number): Promise<void> {
  // TODO: ensemble teachers: write one file per member (logits/<member>.f32, listed in `files`),
  // so that each child combines them at its own temperature.
  const folder = path.join(sharedDir, 'logits');
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'teacher.f32'), Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength));
  const meta: TransferLogitsMeta = { count, classes, files: { teacher: 'teacher.f32' }, byteOrder: 'little-endian' };
  await fs.writeFile(path.join(folder, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

async function readFloat32(file: string): Promise<Float32Array> {
  const bytes = await fs.readFile(file);
  // Copy into a fresh buffer, because a Float32Array view needs a 4-byte-aligned offset.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

async function readTransferLogits(sharedDir: string, count: number, classes: number): Promise<Float32Array | undefined> {
  const folder = path.join(sharedDir, 'logits');
  let meta: TransferLogitsMeta;
  try {
    meta = JSON.parse(await fs.readFile(path.join(folder, 'meta.json'), 'utf8')) as TransferLogitsMeta;
  } catch {
    return undefined;
  }
  if (meta.count !== count || meta.classes !== classes) {
    throw new Error(
      `The shared teacher logits in ${folder} are for ${meta.count} examples of ${meta.classes} classes, but this child's transfer set has ${count} of ${classes}. ` +
        'Start the sweep again so that its shared stage matches the config.',
    );
  }
  // TODO: ensemble teachers: read every member's file and combine them here at the child's own
  // temperature, as the ensemble's `combine` says (mean of softened outputs, or of logits).
  return readFloat32(path.join(folder, meta.files.teacher));
}

/**
 * Reads the shared stage of a sweep. Throws when it did not complete, or when its transfer logits
 * do not match a transfer set of `transferCount` examples and `classes` classes.
 */
export async function readSharedStage(sweepDir: string, transferCount: number, classes: number): Promise<SharedStage> {
  const sharedDir = sharedStageDir(sweepDir);
  const summary = readSummary(sharedDir);
  if (summary === undefined || summary.status !== 'completed' || summary.models.teacher === undefined) {
    throw new Error(`The shared stage in ${sharedDir} is missing or did not complete (status ${summary?.status ?? 'none'}); start the sweep again.`);
  }

  const testLogits: Partial<Record<ModelRole, Float32Array>> = {};
  const softenedDir = path.join(sharedDir, 'softened');
  for (const role of ['teacher', 'baseline'] as const) {
    const file = path.join(softenedDir, `${role}.f32`);
    try {
      testLogits[role] = await readFloat32(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw error;
      }
    }
  }

  return {
    teacher: summary.models.teacher,
    baseline: summary.models.baseline,
    testLogits,
    transferLogits: await readTransferLogits(sharedDir, transferCount, classes),
    teacherModelDir: path.join(sharedDir, 'models', 'teacher'),
  };
}
