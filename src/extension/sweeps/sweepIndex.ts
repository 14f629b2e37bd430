// Sweeps on disk (`<workspace>/.distill/sweeps/*/sweep.json`) and the grouping of child runs under
// their sweep, for the experiments tree. No `vscode` import.

import { readdirSync } from 'node:fs';
import * as path from 'node:path';

import type { SweepSummary } from '../../protocol/messages';
import { readSweepSummary } from '../../sweep/sweepStore';

/** Returns the readable sweeps of a sweeps folder, newest first; an absent folder has none. */
export function listSweeps(sweepsDir: string): SweepSummary[] {
  let names: string[];
  try {
    names = readdirSync(sweepsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const sweeps = names.map((name) => readSweepSummary(path.join(sweepsDir, name))).filter((summary): summary is SweepSummary => summary !== undefined);
  return sweeps.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.sweepId.localeCompare(a.sweepId));
}

/** A sweep with the child runs found for it, in grid order. */
export interface SweepGroup<Run> {
  sweepId: string;
  /** Undefined when sweep.json was not found, such as a deleted sweep folder whose children remain. */
  summary?: SweepSummary;
  runs: Run[];
}

/**
 * Splits runs into those outside any sweep and one group per sweep. `sweepIdOf` and `indexOf`
 * read a run's sweep membership. Groups come in the order of `sweeps`, then the sweeps known only
 * from their children.
 */
export function groupSweepRuns<Run>(
  runs: Run[],
  sweeps: SweepSummary[],
  sweepIdOf: (run: Run) => string | undefined,
  indexOf: (run: Run) => number,
): { plain: Run[]; groups: SweepGroup<Run>[] } {
  const groups = new Map<string, SweepGroup<Run>>();
  for (const summary of sweeps) {
    groups.set(summary.sweepId, { sweepId: summary.sweepId, summary, runs: [] });
  }
  const plain: Run[] = [];
  for (const run of runs) {
    const sweepId = sweepIdOf(run);
    if (sweepId === undefined) {
      plain.push(run);
      continue;
    }
    let group = groups.get(sweepId);
    if (group === undefined) {
      group = { sweepId, runs: [] };
      groups.set(sweepId, group);
    }
    group.runs.push(run);
  }
  for (const group of groups.values()) {
    group.runs.sort((a, b) => indexOf(a) - indexOf(b));
  }
  return { plain, groups: [...groups.values()] };
}
