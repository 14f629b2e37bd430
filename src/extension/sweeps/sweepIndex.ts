// Sweeps on disk (`<workspace>/.distill/sweeps/*/sweep.json`), the marking of sweeps whose
// orchestrator is gone, and the grouping of child runs under their sweep, for the experiments
// tree. No `vscode` import.

import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { RunStatus, SweepChild, SweepSummary } from '../../protocol/messages';
import { isRunId } from '../../protocol/webview';
import { readSweepSummary, writeSweepSummary } from '../../sweep/sweepStore';
import { isProcessAlive, readRun } from '../runs/runIndex';

/** Statuses of a sweep or child whose orchestrator has not written its end. */
const unfinishedStatuses: ReadonlySet<RunStatus> = new Set<RunStatus>(['queued', 'running']);

/** The error of a child that had not started when its sweep was marked interrupted. */
export const notRunError = 'Not run: the sweep stopped before this child started.';

interface SweepFolder {
  sweepDir: string;
  summary: SweepSummary;
}

function compareNewestFirst(a: SweepSummary, b: SweepSummary): number {
  return b.startedAt.localeCompare(a.startedAt) || b.sweepId.localeCompare(a.sweepId);
}

/** Reads every readable sweep.json of a sweeps folder; an absent folder has none. */
function readSweepFolders(sweepsDir: string): SweepFolder[] {
  let names: string[];
  try {
    names = readdirSync(sweepsDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const folders: SweepFolder[] = [];
  for (const name of names) {
    const sweepDir = path.join(sweepsDir, name);
    const summary = readSweepSummary(sweepDir);
    if (summary !== undefined) {
      folders.push({ sweepDir, summary });
    }
  }
  return folders;
}

/** Returns the readable sweeps of a sweeps folder, newest first; an absent folder has none. */
export function listSweeps(sweepsDir: string): SweepSummary[] {
  return readSweepFolders(sweepsDir)
    .map((folder) => folder.summary)
    .sort(compareNewestFirst);
}

/**
 * Returns true when the sweep has not ended and its orchestrator may still run it. That is the
 * case when this window runs it (`isTracked`), when it was started on another host, where its
 * process cannot be checked, or when the process recorded in sweep.json is alive on this host.
 * NOTE: a dead orchestrator's pid reused by an unrelated process counts as alive.
 */
export function isSweepLive(
  summary: SweepSummary,
  isTracked: (sweepId: string) => boolean,
  isProcessAliveOnHost: (pid: number) => boolean = isProcessAlive,
): boolean {
  if (!unfinishedStatuses.has(summary.status)) {
    return false;
  }
  if (isTracked(summary.sweepId)) {
    return true;
  }
  if (summary.hostname !== undefined && summary.hostname !== os.hostname()) {
    return true;
  }
  return summary.pid !== undefined && isProcessAliveOnHost(summary.pid);
}

/**
 * Returns the child as it reads once its sweep is interrupted. A child that was running takes
 * the status of its run folder when that run has ended, and `interrupted` otherwise. The run
 * folder itself is left to markStaleRunsInterrupted. A child that never started is `cancelled`
 * with the notRunError, as when a sweep is cancelled before it starts a child.
 */
function interruptedChild(child: SweepChild, runsDir: string): SweepChild {
  if (child.status === 'queued') {
    return { ...child, status: 'cancelled', error: notRunError };
  }
  if (child.status !== 'running') {
    return child;
  }
  // The run id comes from a file that anyone could edit, so it must not climb out of the runs folder.
  const run = isRunId(child.runId) ? readRun(path.join(runsDir, child.runId)) : undefined;
  if (run === undefined || unfinishedStatuses.has(run.status)) {
    return { ...child, status: 'interrupted', error: 'Interrupted: the sweep stopped while this child was running.' };
  }
  const ended: SweepChild = { ...child, status: run.status };
  if (run.error !== undefined) {
    ended.error = run.error;
  }
  const distilledErrors = run.summary?.models.distilled?.errors;
  if (ended.errors === undefined && distilledErrors !== undefined) {
    ended.errors = distilledErrors;
  }
  return ended;
}

function describeMissingOrchestrator(summary: SweepSummary): string {
  if (summary.pid === undefined) {
    return 'Marked interrupted: sweep.json records no process that runs the sweep, and no window runs it.';
  }
  return `Marked interrupted: the process that ran the sweep (pid ${summary.pid}) is no longer running.`;
}

/**
 * Rewrites sweep.json with status `interrupted`, `finishedAt` = now and `error` = reason, and
 * updates its unfinished children as interruptedChild describes. `runsDir` contains the children's
 * run folders. Returns the new summary.
 */
export function markSweepInterrupted(sweepDir: string, summary: SweepSummary, runsDir: string, reason: string): SweepSummary {
  const interrupted: SweepSummary = {
    ...summary,
    status: 'interrupted',
    finishedAt: new Date().toISOString(),
    error: reason,
    children: summary.children.map((child) => interruptedChild(child, runsDir)),
  };
  writeSweepSummary(sweepDir, interrupted);
  return interrupted;
}

/**
 * Reads the sweeps of a sweeps folder, newest first, and marks interrupted each queued or running
 * one that is not live (see isSweepLive), such as the sweep of a closed window or a killed
 * terminal. `marked` lists the sweeps marked by this call.
 * NOTE: an orchestrator that is still alive, with a reused pid or a missing one from an older
 * version, rewrites sweep.json whole at its next change, which undoes a wrong mark.
 */
export function markStaleSweepsInterrupted(
  sweepsDir: string,
  runsDir: string,
  isTracked: (sweepId: string) => boolean,
  isProcessAliveOnHost: (pid: number) => boolean = isProcessAlive,
): { sweeps: SweepSummary[]; marked: SweepSummary[] } {
  const sweeps: SweepSummary[] = [];
  const marked: SweepSummary[] = [];
  for (const { sweepDir, summary } of readSweepFolders(sweepsDir)) {
    if (!unfinishedStatuses.has(summary.status) || isSweepLive(summary, isTracked, isProcessAliveOnHost)) {
      sweeps.push(summary);
      continue;
    }
    const interrupted = markSweepInterrupted(sweepDir, summary, runsDir, describeMissingOrchestrator(summary));
    sweeps.push(interrupted);
    marked.push(interrupted);
  }
  return { sweeps: sweeps.sort(compareNewestFirst), marked };
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
