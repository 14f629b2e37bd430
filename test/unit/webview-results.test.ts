// The results webview's reducer, fed with the recorded mnist-quick run, and the heatmap means
// recomputed from its stored logits.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { meanSoftenedByClass as engineMeanSoftenedByClass } from '../../src/engine/evaluate';
import { EventsReader, readResultsSnapshot } from '../../src/extension/results/runFolder';
import type { RunEpochEvent } from '../../src/protocol/messages';
import type { ResultsSnapshotMessage, StoredWorkerEvent } from '../../src/protocol/webview';
import { accuracyCurves, alignSeries, chartColumns, lossCurves } from '../../src/webview/model/curves';
import { meanSoftenedByClass } from '../../src/webview/model/maths';
import { applyEvents, applySoftened, createResultsState, rolesWithCurves } from '../../src/webview/model/results';

const fixtureDir = path.resolve(__dirname, '../fixtures/runs/mnist-quick');
const roles = ['teacher', 'distilled', 'baseline'] as const;

function fixtureSnapshot(): ResultsSnapshotMessage {
  return readResultsSnapshot('20261204-210156-mnist-quick', fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl')));
}

function emptySnapshot(snapshot: ResultsSnapshotMessage): ResultsSnapshotMessage {
  return { ...snapshot, status: 'queued', summary: undefined, config: undefined, softened: undefined, events: [] };
}

describe('results reducer on the recorded run', () => {
  const snapshot = fixtureSnapshot();
  const events = snapshot.events;

  test('builds one step point per progress event', () => {
    const state = createResultsState(snapshot);
    for (const role of roles) {
      const progress = events.filter((event) => event.type === 'run/progress' && event.role === role);
      assert.equal(state.curves[role].steps.x.length, progress.length, role);
      assert.deepEqual(state.curves[role].steps.loss, progress.map((event) => (event.type === 'run/progress' ? event.loss : NaN)), role);
    }
  });

  test('builds one epoch point per epoch event', () => {
    const state = createResultsState(snapshot);
    for (const role of roles) {
      const epochs = events.filter((event): event is RunEpochEvent & { time?: string } => event.type === 'run/epoch' && event.role === role);
      const curves = state.curves[role].epochs;
      assert.deepEqual(curves.epoch, epochs.map((event) => event.epoch), role);
      assert.deepEqual(curves.validationAccuracy, epochs.map((event) => event.validationAccuracy), role);
      assert.equal(curves.epochs, epochs[0].epochs, role);
    }
  });

  test('keeps soft and hard terms for the distilled student only', () => {
    const state = createResultsState(snapshot);
    assert.ok(state.curves.distilled.epochs.softLoss.every((value) => typeof value === 'number'));
    assert.ok(state.curves.distilled.epochs.hardLoss.every((value) => typeof value === 'number'));
    assert.ok(state.curves.teacher.epochs.softLoss.every((value) => value === null));
    assert.ok(state.curves.baseline.epochs.hardLoss.every((value) => value === null));
  });

  test('places step points by epoch fraction', () => {
    const state = createResultsState(snapshot);
    for (const role of roles) {
      const { x } = state.curves[role].steps;
      x.forEach((value, index) => assert.ok(index === 0 || value > x[index - 1], `${role} point ${index} is not after the previous one`));
      assert.ok(x[0] > 0, `${role} first point ${x[0]}`);
      assert.ok(x[0] <= 1, `${role} first point ${x[0]}`);
    }
    const teacherSteps = state.curves.teacher.steps.x;
    assert.ok(teacherSteps[teacherSteps.length - 1] <= 3);
  });

  test('reads evaluations, status and temperature', () => {
    const state = createResultsState(snapshot);
    assert.equal(state.status, 'completed');
    assert.equal(state.temperature, 4);
    assert.equal(state.classes, 10);
    assert.equal(state.runName, 'mnist-quick');
    for (const role of roles) {
      assert.equal(state.evaluations[role]?.errors, snapshot.summary?.models[role]?.errors, role);
    }
    assert.equal(state.eventCount, events.length);
    assert.deepEqual(rolesWithCurves(state), ['teacher', 'distilled', 'baseline']);
  });

  test('live events give the same state as the snapshot', () => {
    const live = createResultsState(emptySnapshot(snapshot));
    assert.equal(live.status, 'queued');
    const changes = new Set<string>();
    for (let start = 0; start < events.length; start += 17) {
      applyEvents(live, events.slice(start, start + 17)).forEach((change) => changes.add(change));
    }
    const whole = createResultsState({ ...snapshot, softened: undefined });
    assert.deepEqual(live.curves, whole.curves);
    assert.deepEqual(live.evaluations, whole.evaluations);
    assert.equal(live.status, 'completed');
    assert.deepEqual([...changes].sort(), ['curves', 'evaluations', 'run']);
  });

  test('ignores events of another run', () => {
    const state = createResultsState(emptySnapshot(snapshot));
    const foreign = events.map((event) => ({ ...event, runId: 'other-run' })) as StoredWorkerEvent[];
    assert.equal(applyEvents(state, foreign).size, 0);
    assert.equal(state.eventCount, 0);
  });

  test('turns a missing validation accuracy into null', () => {
    const state = createResultsState(emptySnapshot(snapshot));
    const epoch = events.find((event) => event.type === 'run/epoch') as RunEpochEvent;
    // JSON has no NaN: the worker's NaN arrives as null.
    applyEvents(state, [{ ...epoch, validationAccuracy: null as unknown as number }]);
    assert.deepEqual(state.curves.teacher.epochs.validationAccuracy, [null]);
  });

  test('reports a truncated softened file', () => {
    const state = createResultsState(emptySnapshot(snapshot));
    const softened = snapshot.softened!;
    applySoftened(state, { ...softened, labels: softened.labels.slice(0, 100) });
    assert.equal(state.softened, undefined);
    assert.match(state.softenedError ?? '', /labels\.i32 has 100 bytes, but 300 examples need 1200/);
  });

  test('chart columns hold every series point', () => {
    const state = createResultsState(snapshot);
    const loss = chartColumns(state, lossCurves);
    // The run was recorded before the engine reported the soft term's KL part.
    const recordedCurves = lossCurves.filter((curve) => curve.metric !== 'softKlDivergence');
    assert.deepEqual(loss.curves.map((curve) => curve.key), recordedCurves.map((curve) => curve.key));
    loss.curves.forEach((curve, index) => {
      const points = loss.columns[index + 1].filter((value) => value !== null).length;
      const expected = curve.metric === 'stepLoss' ? state.curves[curve.role].steps.x.length : state.curves[curve.role].epochs.epoch.length;
      assert.equal(points, expected, curve.key);
    });
    const accuracy = chartColumns(state, accuracyCurves);
    assert.equal(accuracy.curves.length, 3);
    assert.equal(accuracy.columns[0].length, 30);
  });
});

/** Returns the snapshot with a KL part added to each distilled epoch event, as the engine now sends it. */
function withKullbackLeibler(snapshot: ResultsSnapshotMessage): ResultsSnapshotMessage {
  const events = snapshot.events.map((event) =>
    event.type === 'run/epoch' && event.role === 'distilled' ? { ...event, softKlDivergence: 0.5 / event.epoch } : event,
  );
  return { ...snapshot, events };
}

describe('soft term KL part', () => {
  const recorded = fixtureSnapshot();

  test('reducer keeps the KL part per epoch', () => {
    const state = createResultsState(withKullbackLeibler(recorded));
    const epochs = state.curves.distilled.epochs;
    assert.deepEqual(epochs.softKlDivergence, epochs.epoch.map((epoch) => 0.5 / epoch));
    assert.ok(epochs.softLoss.every((value) => typeof value === 'number'), 'the soft term stays');
    assert.ok(state.curves.baseline.epochs.softKlDivergence.every((value) => value === null));
  });

  test('KL curve replaces the soft term', () => {
    const state = createResultsState(withKullbackLeibler(recorded));
    const loss = chartColumns(state, lossCurves);
    assert.deepEqual(loss.curves.map((curve) => curve.key), [
      'teacher-step',
      'teacher-epoch',
      'distilled-step',
      'distilled-epoch',
      'distilled-soft-kl',
      'distilled-hard',
      'baseline-step',
      'baseline-epoch',
    ]);
    const kullbackLeibler = loss.curves[4];
    assert.equal(kullbackLeibler.label, 'Distilled soft KL (×T²)');
    assert.match(kullbackLeibler.description ?? '', /KL\(p_T ‖ q_T\)/);
    assert.deepEqual(loss.columns[5].filter((value) => value !== null), state.curves.distilled.epochs.softKlDivergence);
  });

  test('recorded run keeps the soft term', () => {
    const state = createResultsState(recorded);
    assert.ok(state.curves.distilled.epochs.softKlDivergence.every((value) => value === null));
    const loss = chartColumns(state, lossCurves);
    assert.equal(loss.curves.length, 8);
    assert.equal(loss.curves[4].key, 'distilled-soft');
    assert.equal(loss.curves[4].label, 'Distilled soft term (×T²)');
  });
});

describe('alignSeries', () => {
  test('merges x values and fills gaps with null', () => {
    const columns = alignSeries([
      { x: [1, 2, 3], y: [10, 20, 30] },
      { x: [2, 4], y: [200, 400] },
    ]);
    assert.deepEqual(columns, [
      [1, 2, 3, 4],
      [10, 20, 30, null],
      [null, 200, null, 400],
    ]);
  });

  test('sorts a series whose x values decrease', () => {
    assert.deepEqual(alignSeries([{ x: [3, 1], y: [30, 10] }]), [[1, 3], [10, 30]]);
  });

  test('no series gives an empty x column', () => {
    assert.deepEqual(alignSeries([]), [[]]);
  });
});

describe('soft-target heatmap from stored logits', () => {
  const snapshot = fixtureSnapshot();
  const state = createResultsState(snapshot);
  const softened = state.softened!;
  const temperature = snapshot.summary!.temperature;

  test('equals the engine over the same examples', () => {
    for (const role of roles) {
      const logits = softened.logits[role]!;
      const ours = meanSoftenedByClass(logits, softened.labels, softened.count, softened.classes, temperature).means;
      const engine = engineMeanSoftenedByClass(logits, softened.labels, softened.count, softened.classes, temperature);
      ours.forEach((row, trueClass) =>
        row.forEach((value, k) => assert.ok(Math.abs(value - engine[trueClass][k]) < 1e-12, `${role} [${trueClass}][${k}]: ${value} vs ${engine[trueClass][k]}`)),
      );
    }
  });

  test('approximates the summary over the whole test split', () => {
    // The summary averages 10 000 test examples and the stored subset 300 (21 to 41 per class),
    // so single cells differ by up to about 0.07; the mean difference stays small.
    for (const role of roles) {
      const ours = meanSoftenedByClass(softened.logits[role]!, softened.labels, softened.count, softened.classes, temperature).means;
      const summary = snapshot.summary!.models[role]!.meanSoftened;
      let largest = 0;
      let total = 0;
      ours.forEach((row, trueClass) =>
        row.forEach((value, k) => {
          const difference = Math.abs(value - summary[trueClass][k]);
          largest = Math.max(largest, difference);
          total += difference;
        }),
      );
      assert.ok(largest < 0.1, `${role}: largest cell difference ${largest}`);
      assert.ok(total / 100 < 0.01, `${role}: mean cell difference ${total / 100}`);
    }
  });

  test('rows sum to one and follow the labels', () => {
    const { means, counts } = meanSoftenedByClass(softened.logits.teacher!, softened.labels, softened.count, softened.classes, 20);
    means.forEach((row, trueClass) => assert.ok(Math.abs(row.reduce((sum, value) => sum + value, 0) - 1) < 1e-12, `row ${trueClass}`));
    assert.equal(counts.reduce((sum, count) => sum + count, 0), softened.count);
    assert.equal(counts[7], [...softened.labels].filter((label) => label === 7).length);
  });
});
