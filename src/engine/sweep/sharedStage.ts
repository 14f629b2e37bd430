// The shared stage of a sweep, `<sweepDir>/shared/`, computed once before the children:
//   a run-folder layout (config.json, events.jsonl, summary.json with the teacher's and the
//   baseline's evaluations, worker.log, models/teacher|baseline/, softened/ with their test logits)
//   plus logits/meta.json and the teacher's logits on the transfer set: logits/teacher.f32 for a
//   single teacher, one logits/member-<i>.f32 per member for an ensemble, which each child
//   combines at its own temperature.
// Each child reads it back here instead of training the teacher and the baseline again.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import type { EnsembleCombine, ModelRole } from '../../config/types';
import type { ModelEvaluation, RunSummary } from '../../protocol/messages';
import { combineMemberLogits } from '../ensemble';
import { readSummary } from '../runStore';

/** Contents of logits/meta.json. */
interface TransferLogitsMeta {
  /** Transfer examples, in the order of the transfer set. */
  count: number;
  classes: number;
  /** One float32 file per teacher: `teacher` for a single teacher, each member's name for an ensemble. */
  files: Record<string, string>;
  /** Set for an ensemble: how a child combines the members' files at its own temperature. */
  combine?: EnsembleCombine;
  byteOrder: 'little-endian';
}

/** The teacher's logits on the transfer set: one entry for a single teacher, one per member for an ensemble. */
export interface TransferLogits {
  teachers: { name: string; logits: Float32Array }[];
  /** Set for an ensemble. */
  combine?: EnsembleCombine;
}

/** The shared stage's outputs that a child reuses. */
export interface SharedStage {
  teacher: ModelEvaluation;
  baseline?: ModelEvaluation;
  /** Logits of the first stored test examples, as the shared stage wrote them to softened/. */
  testLogits: Partial<Record<ModelRole, Float32Array>>;
  /**
   * The teacher's logits on the transfer set, an ensemble's combined at the child's temperature;
   * absent when the student uses jitter, so no fixed inputs exist.
   */
  transferLogits?: Float32Array;
  /** Folder of the teacher's model.json, for children that call the teacher per batch. */
  teacherModelDir: string;
  /** The shared stage's models folder; an ensemble's trained members are in teacher-<name>/. */
  modelsDir: string;
  /** The ensemble's combine rule and its members' evaluations, when the teacher is an ensemble. */
  ensemble?: RunSummary['ensemble'];
}

export function sharedStageDir(sweepDir: string): string {
  return path.join(sweepDir, 'shared');
}

/** Writes the teacher's logits on the transfer set to `<sharedDir>/logits/`. */
export async function writeTransferLogits(sharedDir: string, logits: TransferLogits, count: number, classes: number): Promise<void> {
  const folder = path.join(sharedDir, 'logits');
  await fs.mkdir(folder, { recursive: true });
  const files: Record<string, string> = {};
  for (const [index, teacher] of logits.teachers.entries()) {
    // Member names are checked to be folder-safe, but the index keeps file names fixed and short.
    const fileName = logits.combine === undefined ? 'teacher.f32' : `member-${index + 1}.f32`;
    const values = teacher.logits;
    await fs.writeFile(path.join(folder, fileName), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    files[teacher.name] = fileName;
  }
  const meta: TransferLogitsMeta = { count, classes, files, ...(logits.combine === undefined ? {} : { combine: logits.combine }), byteOrder: 'little-endian' };
  await fs.writeFile(path.join(folder, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
}

async function readFloat32(file: string): Promise<Float32Array> {
  const bytes = await fs.readFile(file);
  // Copy into a fresh buffer, because a Float32Array view needs a 4-byte-aligned offset.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

async function readTransferLogits(sharedDir: string, count: number, classes: number, temperature: number): Promise<Float32Array | undefined> {
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
  if (meta.combine === undefined) {
    return readFloat32(path.join(folder, meta.files.teacher));
  }
  // The arithmetic mean of softened distributions depends on T, so each child combines the
  // members' logits at its own temperature.
  const members = await Promise.all(Object.values(meta.files).map((fileName) => readFloat32(path.join(folder, fileName))));
  return combineMemberLogits(members, count, classes, temperature, meta.combine);
}

/**
 * Reads the shared stage of a sweep for a child distilling at `temperature`. Throws when it did
 * not complete, or when its transfer logits do not match a transfer set of `transferCount`
 * examples and `classes` classes.
 */
export async function readSharedStage(sweepDir: string, transferCount: number, classes: number, temperature: number): Promise<SharedStage> {
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
    transferLogits: await readTransferLogits(sharedDir, transferCount, classes, temperature),
    teacherModelDir: path.join(sharedDir, 'models', 'teacher'),
    modelsDir: path.join(sharedDir, 'models'),
    ...(summary.ensemble === undefined ? {} : { ensemble: summary.ensemble }),
  };
}
