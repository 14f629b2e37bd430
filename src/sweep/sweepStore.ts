// The on-disk layout of one sweep, `<sweepsDir>/<yyyymmdd-hhmmss>-<name>/`:
//   sweep.json   latest SweepSummary, replaced atomically (temp file + rename)
//   shared/      the shared stage: teacher, baseline and the teacher's transfer-set logits
// The children are ordinary run folders under `.distill/runs/`, each with `summary.sweep` set.
// This module uses only node:fs, so the extension host can load it.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { runTimestamp, safeRunName } from '../engine/runStore';
import type { SweepSummary } from '../protocol/messages';

export const sweepFileName = 'sweep.json';

/** Creates a new, empty sweep folder; adds -2, -3, … when two sweeps start in the same second. */
export function createSweepFolder(sweepsDir: string, name: string, now: Date = new Date()): { sweepId: string; sweepDir: string } {
  mkdirSync(sweepsDir, { recursive: true });
  const base = `${runTimestamp(now)}-${safeRunName(name)}`;
  for (let attempt = 1; attempt < 1000; attempt += 1) {
    const sweepId = attempt === 1 ? base : `${base}-${attempt}`;
    const sweepDir = path.join(sweepsDir, sweepId);
    try {
      mkdirSync(sweepDir);
      return { sweepId, sweepDir };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
  throw new Error(`Cannot create a sweep folder for "${name}" in ${sweepsDir}: 999 folders with that name and time exist.`);
}

export function writeSweepSummary(sweepDir: string, summary: SweepSummary): void {
  const file = path.join(sweepDir, sweepFileName);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(summary, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Returns the parsed sweep.json, or undefined when it is absent or unreadable. */
export function readSweepSummary(sweepDir: string): SweepSummary | undefined {
  try {
    return JSON.parse(readFileSync(path.join(sweepDir, sweepFileName), 'utf8')) as SweepSummary;
  } catch {
    return undefined;
  }
}

/** Returns the sweeps folder beside a runs folder: `<workspace>/.distill/runs` gives `<workspace>/.distill/sweeps`. */
export function sweepsDirFor(runsDir: string): string {
  return path.join(path.dirname(runsDir), 'sweeps');
}
