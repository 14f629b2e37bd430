// `npm run bench` measures, in one process, the training throughput of the teacher, the
// distilled student and the baseline student on the same MNIST examples. It also prints the
// ratio of distilled to baseline epoch time. The target is at most 1.10, because with cached
// teacher logits distillation adds only the soft term. Not a test: it prints a table and exits 0.
//
// Options: --backend auto|wasm|cpu|tensorflow (default auto), --examples N (default 6000),
// --epochs N timed epochs per model after one warm-up epoch (default 2).

import Table from 'cli-table3';
import { Command } from 'commander';

import type { BackendChoice, DistillationConfig, TrainConfig } from '../src/config/types';
import { selectBackend } from '../src/engine/backend';
import { loadDataset, type Split } from '../src/engine/data/dataset';
import { predictLogits } from '../src/engine/evaluate';
import { buildModel, copyWeights, forward } from '../src/engine/models/build';
import { trainModel, type SoftTargets } from '../src/engine/trainer';

interface BenchOptions {
  backend: BackendChoice;
  examples: number;
  epochs: number;
}

interface Measurement {
  model: string;
  examplesPerSecond: number;
  epochSeconds: number;
}

function parsePositive(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`expected a positive integer, found "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--backend <name>', 'auto, tensorflow, wasm or cpu', 'auto')
    .option('--examples <count>', 'training examples per epoch', parsePositive, 6000)
    .option('--epochs <count>', 'timed epochs per model, after one warm-up epoch', parsePositive, 2)
    .parse(process.argv)
    .opts<BenchOptions>();

  const backend = await selectBackend(options.backend, (message) => process.stdout.write(`${message}\n`));
  const data = await loadDataset(
    { source: 'mnist', validation: 1000, normalization: 'unit', trainExamples: options.examples + 1000, testExamples: 1000 },
    process.cwd(),
  );
  const input = { features: data.features, shape: data.shape, classes: data.classes };
  const train: TrainConfig = {
    epochs: options.epochs + 1,
    batchSize: 128,
    optimizer: 'adam',
    learningRate: 0.001,
    momentum: 0.9,
    schedule: { type: 'constant' },
  };
  const noValidation: Split = { x: new Float32Array(0), y: new Int32Array(0), count: 0 };
  const common = {
    train,
    augment: { jitter: 0 },
    data: data.train,
    validation: noValidation,
    features: data.features,
    classes: data.classes,
    shape: data.shape,
    orderSeed: 'bench',
    dropoutSeed: 1,
  };

  // Mean over the timed epochs; the first epoch warms up kernels and allocations.
  const timedEpochSeconds = (epochs: { seconds: number }[]): number =>
    epochs.slice(1).reduce((sum, epoch) => sum + epoch.seconds, 0) / (epochs.length - 1);

  const measurements: Measurement[] = [];
  const teacher = buildModel({ type: 'mlp', hidden: [1200, 1200], activation: 'relu', dropout: 0.5, inputDropout: 0.2 }, input, 1);
  const teacherResult = await trainModel({ ...common, role: 'teacher', model: teacher });
  const teacherSeconds = timedEpochSeconds(teacherResult.epochs);
  measurements.push({ model: 'teacher 784-1200-1200-10, dropout', epochSeconds: teacherSeconds, examplesPerSecond: data.train.count / teacherSeconds });

  const distillation: DistillationConfig = { temperature: 20, softWeight: 0.9, hardWeight: 0.1, scaleByTemperatureSquared: true, loss: 'soft-cross-entropy' };
  const cachedLogits = await predictLogits((x) => forward(teacher, x, false), data.train, data.features, data.classes);
  const softTargets: SoftTargets = { config: distillation, cachedLogits, useLabels: true };

  const studentSpec = { type: 'mlp' as const, hidden: [800, 800], activation: 'relu' as const, dropout: 0, inputDropout: 0 };
  const distilled = buildModel(studentSpec, input, 2);
  const baseline = buildModel(studentSpec, input, 2);
  copyWeights(distilled, baseline);

  const distilledResult = await trainModel({ ...common, role: 'distilled', model: distilled, softTargets });
  const distilledSeconds = timedEpochSeconds(distilledResult.epochs);
  measurements.push({ model: 'distilled 784-800-800-10, T = 20', epochSeconds: distilledSeconds, examplesPerSecond: data.train.count / distilledSeconds });

  const baselineResult = await trainModel({ ...common, role: 'baseline', model: baseline });
  const baselineSeconds = timedEpochSeconds(baselineResult.epochs);
  measurements.push({ model: 'baseline 784-800-800-10', epochSeconds: baselineSeconds, examplesPerSecond: data.train.count / baselineSeconds });

  const table = new Table({ head: ['Model', 'Examples/s', 'Epoch (s)'], colAligns: ['left', 'right', 'right'], style: { head: [], border: [] } });
  for (const measurement of measurements) {
    table.push([measurement.model, measurement.examplesPerSecond.toFixed(0), measurement.epochSeconds.toFixed(2)]);
  }
  process.stdout.write(`\nBackend: ${backend.name}; ${data.train.count} examples an epoch, batch 128, Adam; mean of ${options.epochs} epochs after a warm-up.\n`);
  process.stdout.write(`${table.toString()}\n`);
  const ratio = distilledSeconds / baselineSeconds;
  process.stdout.write(`Distilled / baseline epoch time: ${ratio.toFixed(3)} (target <= 1.10${ratio <= 1.1 ? ', met' : ', NOT met'})\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
