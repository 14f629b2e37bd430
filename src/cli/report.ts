// Text output of the CLI: the final side-by-side table and epoch lines.

import Table from 'cli-table3';

import type { ModelRole } from '../config/types';
import type { ModelEvaluation, RunEpochEvent, RunSummary } from '../protocol/messages';

const roleLabels: Record<ModelRole, string> = {
  teacher: 'Teacher',
  distilled: 'Distilled student',
  baseline: 'Baseline student',
};

const roleOrder: ModelRole[] = ['teacher', 'distilled', 'baseline'];

function formatSeconds(seconds: number): string {
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/**
 * Share of the teacher–baseline gap in test errors that distillation recovered:
 * (baseline − distilled) / (baseline − teacher). Undefined when the teacher is not better.
 */
export function gapRecovered(summary: RunSummary): number | undefined {
  const { teacher, distilled, baseline } = summary.models;
  if (teacher === undefined || distilled === undefined || baseline === undefined) {
    return undefined;
  }
  const gap = baseline.errors - teacher.errors;
  return gap > 0 ? (baseline.errors - distilled.errors) / gap : undefined;
}

/** Formats a count with thousands separators, "669,706", as the run's log lines do. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function tableRow(label: string, evaluation: ModelEvaluation, trainingTime: string): string[] {
  return [
    label,
    `${(evaluation.accuracy * 100).toFixed(2)} %`,
    `${formatCount(evaluation.errors)} / ${formatCount(evaluation.examples)}`,
    formatCount(evaluation.parameters),
    trainingTime,
  ];
}

function formatOffset(offset: number): string {
  return `${offset >= 0 ? '+' : ''}${offset}`;
}

/**
 * Renders the teacher / distilled / baseline comparison as a text table. An ensemble teacher gets
 * one row per member above its own `ensemble` row, and a bias adjustment gets a row for the
 * adjusted student and lines with the offsets and the errors on the omitted classes.
 */
export function renderSummaryTable(summary: RunSummary, colors: boolean): string {
  const table = new Table({
    head: ['Model', 'Test accuracy', 'Test errors', 'Parameters', 'Training time'],
    colAligns: ['left', 'right', 'right', 'right', 'right'],
    style: colors ? {} : { head: [], border: [] },
  });
  for (const member of summary.ensemble?.members ?? []) {
    table.push(tableRow(`Teacher member ${member.member ?? '?'}`, member, member.trainingSeconds === 0 ? 'loaded' : formatSeconds(member.trainingSeconds)));
  }
  for (const role of roleOrder) {
    const evaluation = summary.models[role];
    if (evaluation === undefined) {
      continue;
    }
    const label = role === 'teacher' && summary.ensemble !== undefined ? `Teacher ensemble (${summary.ensemble.combine})` : roleLabels[role];
    const trainingTime = role === 'teacher' && evaluation.trainingSeconds === 0 ? 'loaded' : formatSeconds(evaluation.trainingSeconds);
    table.push(tableRow(label, evaluation, trainingTime));
    if (role === 'distilled' && summary.biasAdjustment !== undefined) {
      // The adjusted student is the distilled one with shifted output biases, so it has no training
      // time of its own, and the offset search is not timed.
      table.push(tableRow('Distilled, bias-adjusted', summary.biasAdjustment.evaluation, '—'));
    }
  }

  return [table.toString(), ...renderBiasAdjustment(summary), ...describeDistillationEffect(summary)].join('\n');
}

/**
 * Describes in words how the distilled student compares with the baseline, and how much of the
 * teacher–baseline gap it recovered. The gap line is left out when the teacher is not better than
 * the baseline, because there is then no gap to recover.
 */
export function describeDistillationEffect(summary: RunSummary): string[] {
  const { teacher, distilled, baseline } = summary.models;
  if (distilled === undefined || baseline === undefined) {
    return [];
  }

  const lines: string[] = [];
  const fewerThanBaseline = baseline.errors - distilled.errors;
  const prefix = `Distillation at T = ${summary.temperature}:`;
  if (fewerThanBaseline > 0) {
    lines.push(`${prefix} ${formatCount(fewerThanBaseline)} fewer test errors than the baseline.`);
  } else if (fewerThanBaseline < 0) {
    lines.push(`${prefix} ${formatCount(-fewerThanBaseline)} more test errors than the baseline.`);
  } else {
    lines.push(`${prefix} as many test errors as the baseline (${formatCount(baseline.errors)}).`);
  }

  const recovered = gapRecovered(summary);
  if (teacher === undefined || recovered === undefined) {
    return lines;
  }
  const gap = `the teacher–baseline gap of ${formatCount(baseline.errors - teacher.errors)} test errors`;
  const share = `${(recovered * 100).toFixed(1)} %`;
  if (distilled.errors < teacher.errors) {
    lines.push(`The distilled student made ${formatCount(teacher.errors - distilled.errors)} fewer test errors than the teacher, so it recovered all of ${gap} and more (${share}).`);
  } else if (distilled.errors === teacher.errors) {
    lines.push(`The distilled student made as many test errors as the teacher, so it recovered all of ${gap} (${share}).`);
  } else if (fewerThanBaseline > 0) {
    lines.push(`It recovered ${share} of ${gap}.`);
  } else {
    lines.push(`It recovered none of ${gap}.`);
  }
  return lines;
}

/** Lines on the bias adjustment: offsets, validation and test errors, and errors on each omitted class before and after. */
export function renderBiasAdjustment(summary: RunSummary): string[] {
  const adjustment = summary.biasAdjustment;
  if (adjustment === undefined) {
    return [];
  }
  const offsets = adjustment.classes.map((classId, index) => `class ${classId} ${formatOffset(adjustment.offsets[index])}`).join(', ');
  const lines = [
    `Bias adjustment (offsets with the fewest validation errors): ${offsets}.`,
    `  Validation errors ${adjustment.validationErrorsBefore} → ${adjustment.validationErrorsAfter}; test errors ${adjustment.testErrorsBefore} → ${adjustment.testErrorsAfter}.`,
  ];
  adjustment.classes.forEach((classId, index) => {
    lines.push(
      `  Test errors on class ${classId}: ${adjustment.classTestErrorsBefore[index]} → ${adjustment.classTestErrorsAfter[index]} of ${adjustment.classTestExamples[index]}.`,
    );
  });
  return lines;
}

/**
 * Formats one epoch as a line of the CLI's output. A distilled student's line lists the soft term,
 * its KL part (the soft term without the teacher's entropy) when the event has one, and the hard term.
 */
export function formatEpochLine(event: RunEpochEvent): string {
  const model = event.member === undefined ? event.role : `${event.role} ${event.member}`;
  const parts = [`${model.padEnd(9)} epoch ${String(event.epoch).padStart(3)}/${event.epochs}`, `loss ${event.loss.toFixed(4)}`];
  if (event.softLoss !== undefined && event.hardLoss !== undefined) {
    parts.push(`soft ${event.softLoss.toFixed(4)}`);
    // For loss "kl" the soft term is the KL already, so the line shows it once.
    if (event.softKlDivergence !== undefined && event.softKlDivergence !== event.softLoss) {
      parts.push(`KL ${event.softKlDivergence.toFixed(4)}`);
    }
    parts.push(`hard ${event.hardLoss.toFixed(4)}`);
  }
  if (Number.isFinite(event.validationAccuracy)) {
    parts.push(`val acc ${(event.validationAccuracy * 100).toFixed(2)} %`);
  }
  parts.push(`${event.seconds.toFixed(1)} s`, `${formatCount(Math.round(event.examplesPerSecond))} ex/s`);
  return parts.join(' | ');
}
