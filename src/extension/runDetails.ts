// Files of a run folder that the run index does not read: the resolved config.json and the saved
// models. No `vscode` import.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { DistillConfig, ModelRole } from '../config/types';

/** Returns the resolved config that the worker wrote to config.json, or undefined when it is missing or not JSON. */
export function readRunConfig(runDir: string): DistillConfig | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    const isConfig = typeof value === 'object' && value !== null && 'distillation' in value && 'teacher' in value && 'student' in value;
    return isConfig ? (value as DistillConfig) : undefined;
  } catch {
    return undefined;
  }
}

/** Caches config.json per run folder: the worker writes it once, before training starts. */
export class RunConfigCache {
  private readonly configs = new Map<string, DistillConfig>();

  get(runDir: string): DistillConfig | undefined {
    const cached = this.configs.get(runDir);
    if (cached !== undefined) {
      return cached;
    }
    const config = readRunConfig(runDir);
    if (config !== undefined) {
      this.configs.set(runDir, config);
    }
    return config;
  }

  delete(runDir: string): void {
    this.configs.delete(runDir);
  }
}

export function modelFolder(runDir: string, role: ModelRole): string {
  return path.join(runDir, 'models', role);
}

/** A model saved under `models/<folder>/` of a run folder. */
export interface SavedModel {
  /** Folder name under models/: a role, `teacher-<member>` or `distilled-adjusted`. */
  folder: string;
  role: ModelRole;
  /** The ensemble member, for `teacher-<member>`. */
  member?: string;
  /** True for the bias-adjusted distilled student. */
  adjusted?: boolean;
}

/**
 * Lists the models whose model.json exists in the run folder, in export order: the distilled
 * student (bias-adjusted first), the baseline, the teacher, then the ensemble members in the
 * order of `members`. Loaded ensemble members are never saved in the run folder.
 */
export function savedModels(runDir: string, members: readonly string[] = []): SavedModel[] {
  const candidates: SavedModel[] = [
    { folder: 'distilled-adjusted', role: 'distilled', adjusted: true },
    { folder: 'distilled', role: 'distilled' },
    { folder: 'baseline', role: 'baseline' },
    { folder: 'teacher', role: 'teacher' },
    ...members.map((member): SavedModel => ({ folder: `teacher-${member}`, role: 'teacher', member })),
  ];
  return candidates.filter((model) => existsSync(path.join(runDir, 'models', model.folder, 'model.json')));
}

