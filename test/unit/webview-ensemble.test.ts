// The results and compare models on the hand-written ensemble and bias-adjustment runs: member
// curves kept apart from the teacher's, member and adjusted columns, and the compare metrics.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { EventsReader, readCompareRun, readResultsSnapshot } from '../../src/extension/results/runFolder';
import type { ModelEvaluation, RunEpochEvent } from '../../src/protocol/messages';
import type { ResultsSnapshotMessage } from '../../src/protocol/webview';
import { runMetrics, teacherErrorsText } from '../../src/webview/model/compare';
import { accuracyCurves, chartColumns, lossCurves } from '../../src/webview/model/curves';
import { ensembleGain, evaluationColumns, omittedClassRows, teacherLabel } from '../../src/webview/model/evaluations';
import { applyEvents, createResultsState } from '../../src/webview/model/results';

const runsDir = path.resolve(__dirname, '../fixtures/runs');
const ensembleRunId = '20261205-010000-mnist-ensemble';
const biasRunId = '20261205-011500-mnist-omit3';

function snapshotOf(runId: string, folder: string): ResultsSnapshotMessage {
  const runDir = path.join(runsDir, folder);
  const snapshot = readResultsSnapshot(runId, runDir, new EventsReader(path.join(runDir, 'events.jsonl')));
  assert.deepEqual(snapshot.warnings, []);
  return snapshot;
}

function epochEvents(snapshot: ResultsSnapshotMessage, member: string | undefined): RunEpochEvent[] {
  return snapshot.events.filter((event): event is RunEpochEvent & { time?: string } => event.type === 'run/epoch' && event.role === 'teacher' && event.member === member);
}

describe('ensemble run in the results model', () => {
  const snapshot = snapshotOf(ensembleRunId, 'mnist-ensemble');
  const summary = snapshot.summary!;

  test('keeps member epochs out of the teacher', () => {
    const state = createResultsState(snapshot);
    assert.deepEqual(state.curves.teacher.epochs.epoch, []);
    assert.deepEqual(state.curves.teacher.steps.x, []);
    assert.deepEqual(state.memberNames, ['a', 'b', 'c']);
    for (const member of ['a', 'b', 'c']) {
      const curves = state.memberCurves.get(member)!;
      assert.deepEqual(curves.epochs.validationAccuracy, epochEvents(snapshot, member).map((event) => event.validationAccuracy), member);
    }
  });

  test('events without member still reach the teacher', () => {
    const state = createResultsState({ ...snapshot, events: snapshot.events.slice(0, 1), summary: undefined });
    const epoch = epochEvents(snapshot, 'a')[0];
    applyEvents(state, [{ ...epoch, member: undefined }]);
    assert.deepEqual(state.curves.teacher.epochs.epoch, [1]);
    assert.equal(state.memberCurves.size, 0);
  });

  test('draws one series per member', () => {
    const state = createResultsState(snapshot);
    const accuracy = chartColumns(state, accuracyCurves);
    assert.deepEqual(accuracy.curves.map((curve) => curve.label), ['Teacher a', 'Teacher b', 'Teacher c', 'Distilled', 'Baseline']);
    const loss = chartColumns(state, lossCurves);
    assert.deepEqual(loss.curves.slice(0, 2).map((curve) => curve.label), ['Teacher a, per step', 'Teacher a, epoch mean']);
    assert.ok(!loss.curves.some((curve) => curve.key === 'teacher-epoch'), 'the ensemble has no epochs of its own');
  });

  test('member evaluations do not replace the ensemble', () => {
    // Live events only: the member evaluations arrive before the ensemble's.
    const state = createResultsState({ ...snapshot, summary: undefined });
    assert.equal(state.evaluations.teacher?.errors, 234);
    assert.deepEqual(state.memberEvaluations.map((evaluation) => [evaluation.member, evaluation.errors]), [['a', 252], ['b', 263], ['c', 246]]);
  });

  test('lays out members before the ensemble', () => {
    const state = createResultsState(snapshot);
    const columns = evaluationColumns(state);
    assert.deepEqual(columns.map((column) => column.key), ['member-a', 'member-b', 'member-c', 'teacher', 'distilled', 'baseline']);
    assert.equal(columns[3].label, 'Ensemble (arithmetic mean of 3)');
    assert.equal(columns[0].label, 'Teacher a');
    assert.deepEqual(columns[1].evaluation, summary.ensemble!.members[1]);
  });

  test('labels a live ensemble from the config', () => {
    const state = createResultsState({ ...snapshot, summary: undefined, events: [] });
    assert.equal(teacherLabel(state), 'Ensemble (arithmetic mean of 3)');
    assert.equal(teacherLabel(createResultsState(snapshotOf('20261204-210156-mnist-quick', 'mnist-quick'))), 'Teacher');
  });

  test('ensemble beats every member', () => {
    const gain = ensembleGain(summary.models.teacher, summary.ensemble!.members)!;
    assert.deepEqual(gain, { ensembleErrors: 234, bestMember: 'c', bestMemberErrors: 246, membersBetter: [] });
    const worse = ensembleGain({ ...summary.models.teacher!, errors: 250 }, summary.ensemble!.members)!;
    assert.deepEqual(worse.membersBetter, ['c']);
  });

  test('fixture counts match confusion matrices', () => {
    const evaluations: ModelEvaluation[] = [...Object.values(summary.models), ...summary.ensemble!.members];
    for (const evaluation of evaluations) {
      const correct = evaluation.confusion.reduce((sum, row, index) => sum + row[index], 0);
      assert.equal(evaluation.errors, evaluation.examples - correct, evaluation.member ?? evaluation.role);
      assert.equal(evaluation.accuracy, correct / evaluation.examples, evaluation.member ?? evaluation.role);
    }
  });
});

describe('bias-adjusted run in the results model', () => {
  const snapshot = snapshotOf(biasRunId, 'mnist-omit3');
  const result = snapshot.summary!.biasAdjustment!;

  test('adds the adjusted column after distilled', () => {
    const columns = evaluationColumns(createResultsState(snapshot));
    assert.deepEqual(columns.map((column) => column.key), ['teacher', 'distilled', 'adjusted', 'baseline']);
    assert.equal(columns[2].evaluation.errors, 458);
    assert.equal(columns[1].evaluation.errors, 991);
  });

  test('omitted class rows follow the classes', () => {
    assert.deepEqual(omittedClassRows(result), [{ label: 3, offset: 3.5, errorsBefore: 612, errorsAfter: 58, examples: 1010 }]);
    assert.ok(Number.isNaN(omittedClassRows({ ...result, offsets: [] })[0].offset));
  });

  test('fixture totals match the evaluations', () => {
    const { distilled } = snapshot.summary!.models;
    assert.equal(result.testErrorsBefore, distilled!.errors);
    assert.equal(result.testErrorsAfter, result.evaluation.errors);
    const row = result.evaluation.confusion[3];
    assert.equal(result.classTestErrorsAfter[0], row.reduce((sum, value) => sum + value, 0) - row[3]);
  });
});

describe('compare metrics of ensemble and bias runs', () => {
  const read = (runId: string, folder: string) => {
    const runDir = path.join(runsDir, folder);
    return runMetrics(readCompareRun(runId, runDir, new EventsReader(path.join(runDir, 'events.jsonl')), []));
  };
  const count = (value: number | undefined) => String(value ?? 'n/a');

  test('ensemble run lists member errors', () => {
    const metrics = read(ensembleRunId, 'mnist-ensemble');
    assert.deepEqual(metrics.ensemble, { combine: 'arithmetic', memberErrors: [252, 263, 246] });
    assert.equal(metrics.errors.teacher, 234);
    assert.equal(teacherErrorsText(metrics, count), '234 (ensemble of 3, members 246–263)');
    assert.equal(metrics.adjusted, undefined);
  });

  test('bias run has adjusted errors', () => {
    const metrics = read(biasRunId, 'mnist-omit3');
    assert.deepEqual(metrics.adjusted, { errors: 458, accuracy: 0.9542 });
    assert.equal(metrics.errors.distilled, 991);
    assert.equal(teacherErrorsText(metrics, count), '234');
  });
});
