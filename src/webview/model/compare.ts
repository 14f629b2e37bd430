// The compare view's tables: config differences as flattened JSON paths, and metrics side by side.

import type { EnsembleCombine, ModelRole } from '../../config/types';
import type { RunSummary } from '../../protocol/messages';
import type { CompareRun } from '../../protocol/webview';
import { t } from '../l10n';
import { compressionRatio, gapRecovered } from './maths';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/**
 * Flattens JSON into `path → JSON text of the value` pairs, such as `teacher.train.epochs → 3`.
 * An array of primitives stays one value (`[512,512]`), because its elements mean little alone;
 * other arrays get `[index]` paths.
 */
export function flattenJson(value: unknown, prefix = '', into: Map<string, string> = new Map()): Map<string, string> {
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    if (keys.length === 0 && prefix !== '') {
      into.set(prefix, '{}');
    }
    for (const key of keys) {
      flattenJson(value[key], prefix === '' ? key : `${prefix}.${key}`, into);
    }
  } else if (Array.isArray(value) && !value.every(isPrimitive)) {
    value.forEach((element, index) => flattenJson(element, `${prefix}[${index}]`, into));
  } else if (value !== undefined) {
    into.set(prefix, JSON.stringify(value));
  }
  return into;
}

export interface ConfigDifference {
  path: string;
  /** One entry per run, in run order; undefined where the run's config lacks the path. */
  values: (string | undefined)[];
}

/** Returns the flattened paths whose values are not the same in every config, sorted by path. */
export function configDifferences(configs: readonly unknown[]): ConfigDifference[] {
  const flattened = configs.map((config) => flattenJson(config));
  const paths = new Set<string>();
  flattened.forEach((entries) => entries.forEach((_, path) => paths.add(path)));

  const differences: ConfigDifference[] = [];
  for (const path of [...paths].sort()) {
    const values = flattened.map((entries) => entries.get(path));
    if (values.some((value) => value !== values[0])) {
      differences.push({ path, values });
    }
  }
  return differences;
}

export interface RunMetrics {
  runId: string;
  runName: string;
  errors: Partial<Record<ModelRole, number>>;
  accuracy: Partial<Record<ModelRole, number>>;
  examples?: number;
  gapRecovered: number | null;
  compressionRatio: number | null;
  trainingSeconds: Partial<Record<ModelRole, number>>;
  temperature?: number;
  /** When the teacher is an ensemble: how it combines and its members' test errors, in config order. */
  ensemble?: { combine: EnsembleCombine; memberErrors: number[] };
  /** When the run adjusted the distilled student's biases: the adjusted student's test errors and accuracy. */
  adjusted?: { errors: number; accuracy: number };
}

/** Collects the numbers that the compare view sets side by side, from one run's summary. */
export function runMetrics(run: CompareRun): RunMetrics {
  const summary: RunSummary | undefined = run.summary;
  const models = summary?.models ?? {};
  const errors: Partial<Record<ModelRole, number>> = {};
  const accuracy: Partial<Record<ModelRole, number>> = {};
  const trainingSeconds: Partial<Record<ModelRole, number>> = {};
  for (const role of ['teacher', 'distilled', 'baseline'] as const) {
    const evaluation = models[role];
    if (evaluation !== undefined) {
      errors[role] = evaluation.errors;
      accuracy[role] = evaluation.accuracy;
      trainingSeconds[role] = evaluation.trainingSeconds;
    }
  }

  const { teacher, distilled, baseline } = models;
  return {
    runId: run.runId,
    runName: run.runName,
    errors,
    accuracy,
    examples: (distilled ?? teacher ?? baseline)?.examples,
    gapRecovered:
      teacher !== undefined && distilled !== undefined && baseline !== undefined ? gapRecovered(teacher.errors, distilled.errors, baseline.errors) : null,
    compressionRatio: compressionRatio(teacher?.parameters, (distilled ?? baseline)?.parameters),
    trainingSeconds,
    temperature: summary?.temperature,
    ensemble:
      summary?.ensemble === undefined
        ? undefined
        : { combine: summary.ensemble.combine, memberErrors: summary.ensemble.members.map((member) => member.errors) },
    adjusted:
      summary?.biasAdjustment === undefined
        ? undefined
        : { errors: summary.biasAdjustment.evaluation.errors, accuracy: summary.biasAdjustment.evaluation.accuracy },
  };
}

/** Returns "234 (ensemble of 3, members 246–263)" for an ensemble teacher, or the teacher's errors alone. */
export function teacherErrorsText(metrics: RunMetrics, formatCount: (value: number | undefined) => string): string {
  const errors = formatCount(metrics.errors.teacher);
  const members = metrics.ensemble?.memberErrors ?? [];
  if (metrics.ensemble === undefined) {
    return errors;
  }
  if (members.length === 0) {
    return metrics.ensemble.combine === 'geometric' ? t('{0} (geometric-mean ensemble)', errors) : t('{0} (arithmetic-mean ensemble)', errors);
  }
  const lowest = Math.min(...members);
  const highest = Math.max(...members);
  const range = lowest === highest ? formatCount(lowest) : `${formatCount(lowest)}–${formatCount(highest)}`;
  return t('{0} (ensemble of {1}, members {2})', errors, members.length, range);
}
