// Files of a run folder that the run index does not read: the resolved config.json and the saved
// models. No `vscode` import.

import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { DistillConfig, ModelRole } from '../config/types';
import { MODEL_ROLES } from './format';

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

/** Returns the roles whose model.json exists in the run folder, in the order teacher, distilled, baseline. */
export function savedModelRoles(runDir: string): ModelRole[] {
  return MODEL_ROLES.filter((role) => existsSync(path.join(modelFolder(runDir, role), 'model.json')));
}
