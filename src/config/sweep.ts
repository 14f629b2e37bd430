// Expands a config with a `sweep` into the grid of its child runs, and derives each child's config.

import type { DistillConfig, SweepConfig } from './types';

/** One child of a sweep: the values it tries, and its 0-based position in the grid. */
export interface SweepPoint {
  index: number;
  temperature: number;
  softWeight: number;
  hardWeight: number;
}

/**
 * Returns the grid of a sweep, temperature major and soft weight minor: with temperatures
 * [1, 5] and soft weights [0.5, 0.9] the order is (1, 0.5), (1, 0.9), (5, 0.5), (5, 0.9).
 * Each child's hard weight is 1 − softWeight, rounded to 12 decimals so 1 − 0.9 gives 0.1.
 */
export function expandSweep(sweep: SweepConfig): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const temperature of sweep.temperature) {
    for (const softWeight of sweep.softWeight) {
      points.push({ index: points.length, temperature, softWeight, hardWeight: complementWeight(softWeight) });
    }
  }
  return points;
}

/** Returns the config a child runs: the parent's, with the child's temperature and weights and no `sweep`. */
export function childConfig(config: DistillConfig, point: SweepPoint): DistillConfig {
  const { sweep: _sweep, ...rest } = config;
  return {
    ...rest,
    distillation: {
      ...config.distillation,
      temperature: point.temperature,
      softWeight: point.softWeight,
      hardWeight: point.hardWeight,
    },
  };
}

/** Returns how many children run at once: `concurrency`, or `available` (the core count) when it is 0. */
export function resolveConcurrency(concurrency: number, available: number): number {
  return concurrency > 0 ? concurrency : Math.max(1, available);
}

function complementWeight(softWeight: number): number {
  return Number((1 - softWeight).toFixed(12));
}

/**
 * Returns the wasm threads of each of `processes` worker processes that run at the same time, so
 * that processes × threads stays within `cores` (1 at least). A positive `requested` count is
 * kept when it fits in that share and lowered to the share when it does not.
 */
export function threadsPerWorker(cores: number, processes: number, requested = 0): number {
  const share = Math.max(1, Math.floor(cores / Math.max(1, processes)));
  return requested > 0 ? Math.min(requested, share) : share;
}
