// Times one training step of the 784-1200-1200-10 ReLU MLP (dropout 0.5, input dropout 0.2,
// distillation loss with cached teacher logits, batch 128, Adam) per kernel on the wasm backend,
// and prints examples/s and a table of the kernels by time. Not a test: it prints and exits 0.
//
// Run: node --import tsx scripts/profile-step.ts [--threads N] [--steps N]
// Each kernel call is timed around its kernel function, which is synchronous on wasm, so the
// table includes each kernel's JavaScript overhead. "outside kernels" is the rest of the step:
// TensorFlow.js's tape and gradient bookkeeping, tensor creation and the trainer's own code.

import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';

import type { DistillationConfig, TrainConfig } from '../src/config/types';
import { selectBackend } from '../src/engine/backend';
import type { Split } from '../src/engine/data/dataset';
import { buildModel } from '../src/engine/models/build';
import { trainModel } from '../src/engine/trainer';

interface ProfileOptions {
  threads?: number;
  steps: number;
}

interface KernelTime {
  calls: number;
  milliseconds: number;
}

const features = 784;
const classes = 10;
const batchSize = 128;

/**
 * Wraps every wasm kernel to add its time to `times`. A call made inside another kernel, such as
 * the Transpose calls of this project's BatchMatMul, is recorded as "BatchMatMul › Transpose"
 * and its time is also part of the outer kernel's.
 */
function timeKernels(times: Map<string, KernelTime>): void {
  const running: string[] = [];
  for (const config of tf.getKernelsForBackend('wasm')) {
    const original = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (params) => {
        const name = running.length === 0 ? config.kernelName : `${running[0]} › ${config.kernelName}`;
        running.push(config.kernelName);
        const started = performance.now();
        try {
          return original(params);
        } finally {
          running.pop();
          const entry = times.get(name) ?? { calls: 0, milliseconds: 0 };
          entry.calls += 1;
          entry.milliseconds += performance.now() - started;
          times.set(name, entry);
        }
      },
    });
  }
}

function randomSplit(count: number): Split {
  let state = 12345;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  return {
    x: new Float32Array(count * features).map(() => random()),
    y: new Int32Array(count).map((_, i) => i % classes),
    count,
  };
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--threads <count>', 'wasm threads (default: one per logical core)', Number)
    .option('--steps <count>', 'timed training steps after 3 warm-up steps', Number, 20)
    .parse(process.argv)
    .opts<ProfileOptions>();

  const backend = await selectBackend('wasm', (message) => console.log(message), { threads: options.threads });
  const times = new Map<string, KernelTime>();
  timeKernels(times);

  const model = buildModel({ type: 'mlp', hidden: [1200, 1200], activation: 'relu', dropout: 0.5, inputDropout: 0.2 }, { features, shape: [28, 28, 1], classes }, 1);
  const distillation: DistillationConfig = { temperature: 20, softWeight: 0.9, hardWeight: 0.1, scaleByTemperatureSquared: true, loss: 'soft-cross-entropy' };
  const train: TrainConfig = { epochs: 1, batchSize, optimizer: 'adam', learningRate: 0.001, momentum: 0.9, schedule: { type: 'constant' } };
  const run = async (steps: number): Promise<number> => {
    const data = randomSplit(steps * batchSize);
    const teacherLogits = new Float32Array(data.count * classes).map((_, i) => ((i * 7919) % 13) - 6);
    const result = await trainModel({
      role: 'distilled',
      model,
      train,
      augment: { jitter: 0 },
      data,
      validation: { x: new Float32Array(0), y: new Int32Array(0), count: 0 },
      features,
      classes,
      shape: [28, 28, 1],
      orderSeed: 'profile',
      dropoutSeed: 1,
      softTargets: { config: distillation, cachedLogits: teacherLogits, useLabels: true },
    });
    return result.seconds;
  };

  await run(3);
  times.clear();
  const seconds = await run(options.steps);

  const stepMs = (seconds * 1000) / options.steps;
  const rows = [...times.entries()].sort((a, b) => b[1].milliseconds - a[1].milliseconds);
  const kernelMs = rows.filter(([name]) => !name.includes(' › ')).reduce((sum, [, time]) => sum + time.milliseconds, 0) / options.steps;
  console.log(`${backend.detail}: ${((options.steps * batchSize) / seconds).toFixed(0)} examples/s, ${stepMs.toFixed(1)} ms a step`);
  console.log('| kernel | calls/step | ms/step | % of step |');
  console.log('|---|---:|---:|---:|');
  for (const [name, time] of rows) {
    const perStep = time.milliseconds / options.steps;
    console.log(`| ${name} | ${(time.calls / options.steps).toFixed(0)} | ${perStep.toFixed(2)} | ${((100 * perStep) / stepMs).toFixed(1)} |`);
  }
  console.log(`| outside kernels | | ${(stepMs - kernelMs).toFixed(2)} | ${((100 * (stepMs - kernelMs)) / stepMs).toFixed(1)} |`);
}

void main();
