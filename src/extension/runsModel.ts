// The runs of every workspace folder, read from `<folder>/.distill/runs/` and merged with the
// live state of this window's workers. The experiments tree, the CodeLens, the status bar and the
// results documents all read it. Refreshes come from a file watcher and from RunManager events.

import * as path from 'node:path';

import * as vscode from 'vscode';

import type { DistillConfig, ModelRole } from '../config/types';
import type { Event } from './runs/events';
import type { RunHandle, RunManager } from './runs/runManager';
import { runsDirFor } from './runs/configDiscovery';
import { listRuns, markStaleRunsInterrupted, type RunRecord } from './runs/runIndex';
import { RunConfigCache } from './runDetails';
import { teacherMembers, trainedRoles } from './runProgress';
import { CoalescingTimer } from './throttle';

/** A run folder, with this window's handle while one of its workers runs it. */
export interface ExperimentRun {
  record: RunRecord;
  handle?: RunHandle;
  /** The resolved config from config.json, or from the run/started event before the file is read. */
  config?: DistillConfig;
  /** Models that the run trains, in training order. */
  roles: ModelRole[];
  /** Ensemble members that the run trains, in training order; empty for other teachers. */
  members: string[];
  /** Name of the run's workspace folder, set only when several folders are open. */
  folderName?: string;
}

/** A run of this window that has no run folder yet: queued, or started and waiting for run/started. */
export interface PendingRun {
  handle: RunHandle;
  /** The config's `name`, known from the host's own parse before the worker starts. */
  name: string;
  /** 1-based place in the queue; undefined once a worker is starting it. */
  queuePosition?: number;
}

/** Milliseconds between reloads of the run folders while files keep changing. */
const reloadDelayMs = 500;
/** Milliseconds between refreshes of live progress; progress events arrive a few times a second. */
const liveRefreshDelayMs = 500;

export class RunsModel implements vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  /** Fires after the runs or their live state changed. */
  readonly onDidChange = this.changeEmitter.event;

  private readonly configs = new RunConfigCache();
  private readonly pendingNames = new Map<string, string>();
  private readonly startedConfigs = new Map<string, DistillConfig>();
  private readonly startedTimes = new Map<string, string>();
  private diskRecords: { record: RunRecord; folder: vscode.WorkspaceFolder }[] = [];
  private readonly reloadTimer = new CoalescingTimer(() => this.reload(), reloadDelayMs);
  private readonly liveTimer = new CoalescingTimer(() => this.changeEmitter.fire(), liveRefreshDelayMs);
  private readonly disposables: vscode.Disposable[] = [];

  /**
   * @param sweeps this window's sweeps. Their children are run by SweepRunner, not RunManager, so
   *   without these events only the file watcher, which can lag by seconds, would report a child's
   *   final summary.json.
   */
  constructor(
    private readonly manager: RunManager,
    private readonly log: vscode.LogOutputChannel,
    sweeps?: { onDidChange: Event<unknown>; onDidEnd: Event<unknown> },
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.distill/runs/**');
    const scheduleReload = (): void => this.reloadTimer.schedule();
    this.disposables.push(
      watcher,
      watcher.onDidCreate(scheduleReload),
      watcher.onDidChange(scheduleReload),
      watcher.onDidDelete(scheduleReload),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
      manager.onDidChange(scheduleReload),
      // When RunManager reports the end of a run, its summary.json has the final status, so
      // the folders are read again at once. Until then the run would show as running without
      // a worker. The microtask lets the other onDidEnd listeners read the run's name first.
      manager.onDidEnd(() => queueMicrotask(() => this.reload())),
      manager.onDidReceiveEvent(({ handle, event }) => {
        if (event.type === 'run/started') {
          this.startedConfigs.set(handle.key, event.config);
          this.startedTimes.set(handle.key, new Date().toISOString());
          this.reloadTimer.schedule();
        } else if (event.type === 'run/evaluation' || event.type === 'run/finished') {
          // summary.json gained a model's metrics or the final status.
          this.reloadTimer.schedule();
        } else {
          this.liveTimer.schedule();
        }
      }),
    );
    if (sweeps !== undefined) {
      // SweepRunner writes sweep.json after a child's worker has written its summary.json.
      this.disposables.push(sweeps.onDidChange(scheduleReload), sweeps.onDidEnd(() => this.reload()));
    }
    this.reload();
  }

  /** Workspace folders on the local file system of the extension host, the only ones that can hold runs. */
  folders(): vscode.WorkspaceFolder[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
  }

  /** Records the config name of a run that RunManager has queued, for the tree to show before the worker starts. */
  notePending(handle: RunHandle, name: string): void {
    this.pendingNames.set(handle.key, name);
    this.changeEmitter.fire();
  }

  /** Reads every folder's runs again and fires onDidChange. */
  reload(): void {
    const records: { record: RunRecord; folder: vscode.WorkspaceFolder }[] = [];
    for (const folder of this.folders()) {
      const runsDir = runsDirFor(folder.uri.fsPath);
      try {
        records.push(...listRuns(runsDir).map((record) => ({ record, folder })));
      } catch (error) {
        this.log.error(`[${runsDir}] Could not read the run folders: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.diskRecords = records;
    this.forgetEndedHandles();
    this.changeEmitter.fire();
  }

  /** Returns the config name of a run of this window: from the host's parse, the run/started event, or the file name. */
  nameOf(handle: RunHandle): string {
    return this.pendingNames.get(handle.key) ?? this.startedConfigs.get(handle.key)?.name ?? path.basename(handle.configPath);
  }

  /** Returns the resolved config of a run of this window, once its worker sent run/started. */
  startedConfig(handle: RunHandle): DistillConfig | undefined {
    return this.startedConfigs.get(handle.key);
  }

  /**
   * Drops what was kept about runs that have ended. It runs on reload, not when a run ends, so
   * that the listeners of RunManager.onDidEnd can still read a run's name.
   */
  private forgetEndedHandles(): void {
    const liveKeys = new Set(this.manager.handles().map((handle) => handle.key));
    for (const map of [this.pendingNames, this.startedConfigs, this.startedTimes]) {
      for (const key of [...map.keys()]) {
        if (!liveKeys.has(key)) {
          map.delete(key);
        }
      }
    }
  }

  /**
   * Marks the runs that are still marked queued or running but have no live worker as interrupted,
   * such as the runs of a window that was closed, and logs each one.
   */
  markStaleRuns(): void {
    const isTracked = (runId: string): boolean => this.manager.isTracked(runId);
    for (const folder of this.folders()) {
      const runsDir = runsDirFor(folder.uri.fsPath);
      try {
        const before = new Map(listRuns(runsDir).map((record) => [record.runId, record.status]));
        for (const record of markStaleRunsInterrupted(runsDir, isTracked)) {
          const previous = before.get(record.runId);
          if (previous !== record.status && record.status === 'interrupted') {
            this.log.warn(`[${record.runId}] Marked interrupted: it was ${previous ?? 'unknown'} but no worker runs it.`);
          }
        }
      } catch (error) {
        this.log.error(`[${runsDir}] Could not check for interrupted runs: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.reload();
  }

  /** Returns every run, newest first, with the live state of those that this window runs. */
  runs(): ExperimentRun[] {
    const multiRoot = this.folders().length > 1;
    const handlesByRunDir = new Map<string, RunHandle>();
    for (const handle of this.manager.handles()) {
      if (handle.runDir !== undefined) {
        handlesByRunDir.set(path.resolve(handle.runDir), handle);
      }
    }

    const runs: ExperimentRun[] = this.diskRecords.map(({ record, folder }) => {
      const handle = handlesByRunDir.get(path.resolve(record.runDir));
      handlesByRunDir.delete(path.resolve(record.runDir));
      const config = this.configs.get(record.runDir) ?? (handle === undefined ? undefined : this.startedConfigs.get(handle.key));
      // A record on disk may lag behind the worker's events, and a live handle means the run is running.
      const liveRecord: RunRecord = handle === undefined ? record : { ...record, status: 'running' };
      return { record: liveRecord, handle, config, roles: trainedRoles(config), members: teacherMembers(config), folderName: multiRoot ? folder.name : undefined };
    });

    // Runs that started but whose folder the last reload did not see yet.
    for (const handle of handlesByRunDir.values()) {
      if (handle.runId === undefined || handle.runDir === undefined) {
        continue;
      }
      const config = this.startedConfigs.get(handle.key);
      const record: RunRecord = {
        runId: handle.runId,
        runDir: handle.runDir,
        name: config?.name ?? this.pendingNames.get(handle.key) ?? handle.runId,
        configPath: handle.configPath,
        status: 'running',
        startedAt: this.startedTimes.get(handle.key),
      };
      runs.push({ record, handle, config, roles: trainedRoles(config), members: teacherMembers(config) });
    }
    return runs.sort((a, b) => compareStart(b.record, a.record));
  }

  /** Returns the runs of this window that have no run folder yet, in queue order. */
  pending(): PendingRun[] {
    let queuePosition = 0;
    const pending: PendingRun[] = [];
    for (const handle of this.manager.handles()) {
      if (handle.state === 'finished' || handle.runId !== undefined) {
        continue;
      }
      const name = this.nameOf(handle);
      if (handle.state === 'queued') {
        queuePosition += 1;
        pending.push({ handle, name, queuePosition });
      } else {
        pending.push({ handle, name });
      }
    }
    return pending;
  }

  findRun(runDirOrId: string): ExperimentRun | undefined {
    const resolved = path.resolve(runDirOrId);
    return this.runs().find(({ record }) => path.resolve(record.runDir) === resolved || record.runId === runDirOrId);
  }

  /** Returns the newest run started from `configPath`, matched by the config path recorded in the run. */
  latestRunOf(configPath: string): ExperimentRun | undefined {
    const wanted = normalizePath(configPath);
    return this.runs().find(({ record }) => record.configPath !== undefined && normalizePath(record.configPath) === wanted);
  }

  /** Forgets the cached config.json of a deleted run folder. */
  forget(runDir: string): void {
    this.configs.delete(runDir);
  }

  dispose(): void {
    this.reloadTimer.dispose();
    this.liveTimer.dispose();
    this.disposables.forEach((disposable) => disposable.dispose());
    this.changeEmitter.dispose();
  }
}

function startTime(record: RunRecord): number {
  const time = record.startedAt === undefined ? Number.NaN : Date.parse(record.startedAt);
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

function compareStart(a: RunRecord, b: RunRecord): number {
  const difference = startTime(a) - startTime(b);
  if (difference !== 0 && !Number.isNaN(difference)) {
    return difference;
  }
  return a.runId.localeCompare(b.runId);
}

/** Normalizes a path for comparison; Windows paths compare without case, as the file system does. */
function normalizePath(filePath: string): string {
  const resolved = path.resolve(filePath);
  return process.platform === 'win32' ? resolved.toLowerCase() : resolved;
}
