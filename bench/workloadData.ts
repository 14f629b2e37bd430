// The distillation step that the benchmark times on every engine, and the files that carry its
// data from the bench process to the per-backend child processes and to the PyTorch peer.
// Files in the folder: meta.json (shapes and the workload), features.f32 (count × features,
// float32 little-endian), labels.i32 (int32), teacher-logits.f32 (count × classes, float32).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { DISTILLATION_DEFAULTS } from '../src/config/defaults';

/** Model, loss and optimiser of the timed step. torch_peer.py reads them from meta.json. */
export const DISTILLATION_WORKLOAD = {
  hidden: [1200, 1200],
  /** Rate of the dropout layer after each hidden layer's ReLU. */
  dropout: 0.5,
  /** Rate of the dropout layer on the inputs. */
  inputDropout: 0.2,
  batchSize: 128,
  learningRate: 0.001,
  /** tfjs 4.22's Adam uses the backend's epsilon, 1e-7 in float32, where PyTorch defaults to 1e-8. */
  adamEpsilon: 1e-7,
  temperature: DISTILLATION_DEFAULTS.temperature,
  softWeight: DISTILLATION_DEFAULTS.softWeight,
  hardWeight: DISTILLATION_DEFAULTS.hardWeight,
  scaleByTemperatureSquared: DISTILLATION_DEFAULTS.scaleByTemperatureSquared,
} as const;

export interface WorkloadMeta {
  count: number;
  features: number;
  classes: number;
  workload: typeof DISTILLATION_WORKLOAD;
}

export interface WorkloadData {
  meta: WorkloadMeta;
  features: Float32Array;
  labels: Int32Array;
  teacherLogits: Float32Array;
}

export function writeWorkloadData(folder: string, data: WorkloadData): void {
  writeFileSync(join(folder, 'meta.json'), `${JSON.stringify(data.meta, null, 2)}\n`);
  writeFileSync(join(folder, 'features.f32'), bytesOf(data.features));
  writeFileSync(join(folder, 'labels.i32'), bytesOf(data.labels));
  writeFileSync(join(folder, 'teacher-logits.f32'), bytesOf(data.teacherLogits));
}

/** Reads the files of `writeWorkloadData`, keeping only the first `examples` when given. */
export function readWorkloadData(folder: string, examples?: number): WorkloadData {
  const meta = JSON.parse(readFileSync(join(folder, 'meta.json'), 'utf8')) as WorkloadMeta;
  const count = Math.min(examples ?? meta.count, meta.count);
  const features = new Float32Array(toArrayBuffer(readFileSync(join(folder, 'features.f32')))).subarray(0, count * meta.features);
  const labels = new Int32Array(toArrayBuffer(readFileSync(join(folder, 'labels.i32')))).subarray(0, count);
  const teacherLogits = new Float32Array(toArrayBuffer(readFileSync(join(folder, 'teacher-logits.f32')))).subarray(0, count * meta.classes);
  return { meta: { ...meta, count }, features, labels, teacherLogits };
}

function bytesOf(values: Float32Array | Int32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Copies a Buffer into its own ArrayBuffer, because a pooled Buffer may start at an unaligned offset. */
function toArrayBuffer(buffer: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(buffer.byteLength);
  new Uint8Array(copy).set(buffer);
  return copy;
}
