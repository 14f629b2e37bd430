// Min/max decimation of the curves for drawing: what it keeps, its incremental form against a
// full decimation, and exact values at any x of the full series.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { PointSeries } from '../../src/webview/model/curves';
import { bucketWidthFor, ChartDecimation, decimateIndices, lowerBound, pickPoints, SeriesDecimator, valueAt } from '../../src/webview/model/decimate';
import type { ResultsSnapshotMessage, StoredWorkerEvent } from '../../src/protocol/webview';
import { alignSeries, chartSeries, lossCurves } from '../../src/webview/model/curves';
import { applyEvents, createResultsState } from '../../src/webview/model/results';

/** Returns a noisy falling loss of `count` points at x = 1/100, 2/100, …, with a few spikes. */
function noisySeries(count: number): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let index = 0; index < count; index += 1) {
    x.push((index + 1) / 100);
    const spike = index % 997 === 0 ? 5 : 0;
    y.push(2 / Math.sqrt(index + 1) + Math.sin(index * 12.9898) * 0.1 + spike);
  }
  return { x, y };
}

describe('bucketWidthFor', () => {
  test('rounds up to a power of two', () => {
    assert.equal(bucketWidthFor(1000, 1000), 1);
    assert.equal(bucketWidthFor(1001, 1000), 2);
    assert.equal(bucketWidthFor(10, 1000), 1 / 64);
  });

  test('empty span gives width 1', () => {
    assert.equal(bucketWidthFor(0, 800), 1);
    assert.equal(bucketWidthFor(10, 0), 1);
  });
});

describe('decimateIndices', () => {
  const series = noisySeries(100_000);
  const width = bucketWidthFor(series.x[series.x.length - 1] - series.x[0], 1200);
  const kept = decimateIndices(series, width);

  test('keeps at most four points per bucket', () => {
    const buckets = new Set(series.x.map((value) => Math.floor(value / width)));
    assert.ok(kept.length <= 4 * buckets.size, `${kept.length} points for ${buckets.size} buckets`);
    assert.ok(kept.length < series.x.length / 10);
  });

  test('keeps both endpoints', () => {
    assert.equal(kept[0], 0);
    assert.equal(kept[kept.length - 1], series.x.length - 1);
  });

  test('keeps each bucket extremes', () => {
    const extremes = new Map<number, { min: number; max: number }>();
    series.x.forEach((value, index) => {
      const key = Math.floor(value / width);
      const bucket = extremes.get(key) ?? { min: Infinity, max: -Infinity };
      bucket.min = Math.min(bucket.min, series.y[index]);
      bucket.max = Math.max(bucket.max, series.y[index]);
      extremes.set(key, bucket);
    });
    const keptByBucket = new Map<number, number[]>();
    for (const index of kept) {
      const key = Math.floor(series.x[index] / width);
      keptByBucket.set(key, [...(keptByBucket.get(key) ?? []), series.y[index]]);
    }
    for (const [key, { min, max }] of extremes) {
      const values = keptByBucket.get(key) ?? [];
      assert.equal(Math.min(...values), min, `minimum of bucket ${key}`);
      assert.equal(Math.max(...values), max, `maximum of bucket ${key}`);
    }
  });

  test('kept points are real points in order', () => {
    const points = pickPoints(series, kept);
    for (let index = 1; index < kept.length; index += 1) {
      assert.ok(kept[index] > kept[index - 1]);
    }
    kept.forEach((original, index) => {
      assert.equal(points.x[index], series.x[original]);
      assert.equal(points.y[index], series.y[original]);
    });
  });

  test('sparse series stays whole', () => {
    const sparse = { x: [1, 2, 3, 4, 5], y: [0.5, 0.4, 0.45, 0.3, 0.2] };
    assert.deepEqual(decimateIndices(sparse, 1), [0, 1, 2, 3, 4]);
  });

  test('skips null values', () => {
    const gaps: PointSeries = { x: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], y: [null, 3, null, 1, 2, null] };
    assert.deepEqual(decimateIndices(gaps, 1), [1, 3, 4]);
  });

  test('decreasing x keeps real points', () => {
    const backwards = { x: [0.5, 0.4, 1.5, 1.4, 0.3, 0.2], y: [1, 2, 3, 4, 5, 6] };
    // Buckets of width 1: [0, 1) is left and entered again, so it is kept twice.
    assert.deepEqual(decimateIndices(backwards, 1), [0, 1, 2, 3, 4, 5]);
  });

  test('slice keeps its own endpoints', () => {
    const slice = decimateIndices(series, width / 64, 50_000, 50_500);
    assert.equal(slice[0], 50_000);
    assert.equal(slice[slice.length - 1], 50_499);
  });
});

describe('SeriesDecimator', () => {
  test('appends match a full decimation', () => {
    const full = noisySeries(30_000);
    const width = bucketWidthFor(full.x[full.x.length - 1], 1000);
    const growing: { x: number[]; y: number[] } = { x: [], y: [] };
    const decimator = new SeriesDecimator();
    // Uneven batches, so that buckets are split across updates.
    for (let start = 0, batch = 1; start < full.x.length; start += batch, batch = (batch * 7 + 3) % 997) {
      const end = Math.min(full.x.length, start + batch);
      growing.x.push(...full.x.slice(start, end));
      growing.y.push(...full.y.slice(start, end));
      assert.deepEqual(decimator.update(growing, width), decimateIndices(growing, width), `after ${end} points`);
    }
  });

  test('updatePoints matches picked indices', () => {
    const full = noisySeries(20_000);
    const growing: { x: number[]; y: number[] } = { x: [], y: [] };
    const byIndices = new SeriesDecimator();
    const byPoints = new SeriesDecimator();
    for (let start = 0; start < full.x.length; start += 1234) {
      growing.x.push(...full.x.slice(start, start + 1234));
      growing.y.push(...full.y.slice(start, start + 1234));
      assert.deepEqual(byPoints.updatePoints(growing, 1 / 2), pickPoints(growing, byIndices.update(growing, 1 / 2)), `after ${growing.x.length} points`);
    }
  });

  test('new width starts over', () => {
    const series = noisySeries(5000);
    const decimator = new SeriesDecimator();
    decimator.update(series, 1 / 8);
    assert.deepEqual(decimator.update(series, 2), decimateIndices(series, 2));
  });

  test('shorter series starts over', () => {
    const decimator = new SeriesDecimator();
    decimator.update(noisySeries(5000), 1);
    const shorter = noisySeries(300);
    assert.deepEqual(decimator.update(shorter, 1), decimateIndices(shorter, 1));
  });

  test('live events match a rebuilt state', () => {
    const runId = 'live';
    const progress = (role: 'teacher' | 'distilled', step: number): StoredWorkerEvent => ({
      type: 'run/progress',
      runId,
      role,
      epoch: Math.floor((step - 1) / 50) + 1,
      epochs: 100,
      batch: ((step - 1) % 50) + 1,
      batches: 50,
      step,
      loss: 1 / Math.sqrt(step) + Math.sin(step) * 0.05,
    });
    const events = [...Array.from({ length: 4000 }, (_, index) => progress('teacher', index + 1)), ...Array.from({ length: 4000 }, (_, index) => progress('distilled', index + 1))];
    const snapshot: ResultsSnapshotMessage = { type: 'results/snapshot', runId, runName: 'live', status: 'running', events: [], warnings: [] };

    const live = createResultsState(snapshot);
    const decimators = new Map<string, SeriesDecimator>();
    let liveKept = new Map<string, number[]>();
    for (let start = 0; start < events.length; start += 333) {
      applyEvents(live, events.slice(start, start + 333));
      const { curves, points } = chartSeries(live, lossCurves);
      liveKept = new Map(curves.map((curve, index) => {
        const decimator = decimators.get(curve.key) ?? new SeriesDecimator();
        decimators.set(curve.key, decimator);
        return [curve.key, decimator.update(points[index], 1 / 4)];
      }));
    }

    const rebuilt = createResultsState({ ...snapshot, events });
    const { curves, points } = chartSeries(rebuilt, lossCurves);
    assert.deepEqual([...liveKept.keys()], curves.map((curve) => curve.key));
    curves.forEach((curve, index) => assert.deepEqual(liveKept.get(curve.key), decimateIndices(points[index], 1 / 4), curve.key));
  });
});

describe('exact values', () => {
  const series = noisySeries(10_000);

  test('valueAt returns the point at x', () => {
    for (const index of [0, 1, 4999, 9999]) {
      assert.equal(valueAt(series, series.x[index]), series.y[index]);
    }
  });

  test('valueAt between points is null', () => {
    assert.equal(valueAt(series, (series.x[10] + series.x[11]) / 2), null);
    assert.equal(valueAt(series, -1), null);
    assert.equal(valueAt(series, 1e9), null);
  });

  test('lowerBound finds the first x at or above', () => {
    assert.equal(lowerBound(series.x, series.x[42]), 42);
    assert.equal(lowerBound(series.x, (series.x[42] + series.x[43]) / 2), 43);
    assert.equal(lowerBound(series.x, 1e9), series.x.length);
  });
});

describe('ChartDecimation', () => {
  const long = noisySeries(50_000);
  const short = { x: [1, 100, 200, 300, 400, 500], y: [4, 3, 2, 1.5, 1.2, 1] };

  test('full view keeps every series range', () => {
    const decimation = new ChartDecimation();
    decimation.setPoints([long, short], false);
    const columns = decimation.columns(undefined, 1000);
    assert.ok(columns[0].length < 5000, `${columns[0].length} rows`);
    assert.equal(columns[0][0], long.x[0]);
    assert.equal(columns[0][columns[0].length - 1], long.x[long.x.length - 1]);
    // The short series has fewer points than pixels, so it stays whole.
    assert.deepEqual(columns[2].filter((value) => value !== null), short.y);
    assert.deepEqual(decimation.fullRange(), { min: long.x[0], max: long.x[long.x.length - 1] });
  });

  test('zoomed view decimates the range finely', () => {
    const decimation = new ChartDecimation();
    decimation.setPoints([long], false);
    const range = { min: 100, max: 105 };
    const columns = decimation.columns(range, 1000);
    // Each step of 0.01 gets its own pixel column, so every point in range is kept, with one on each side.
    const inRange = long.x.filter((value) => value >= range.min && value <= range.max);
    assert.equal(columns[0].length, inRange.length + 2);
    assert.ok(columns[0][0] < range.min);
    assert.ok(columns[0][columns[0].length - 1] > range.max);
  });

  test('small series match plain alignment', () => {
    const decimation = new ChartDecimation();
    const other = { x: [1, 2, 3], y: [5, null, 6] };
    decimation.setPoints([short, other], false);
    assert.deepEqual(decimation.columns(undefined, 800), alignSeries([short, { x: [1, 3], y: [5, 6] }]));
  });

  test('setPoints reports growth', () => {
    const decimation = new ChartDecimation();
    const growing = { x: [1, 2], y: [1, 2] };
    assert.equal(decimation.setPoints([growing], false), true);
    assert.equal(decimation.setPoints([growing], true), false);
    growing.x.push(3);
    growing.y.push(3);
    assert.equal(decimation.setPoints([growing], true), true);
  });

  test('isCurrent follows view and width', () => {
    const decimation = new ChartDecimation();
    decimation.setPoints([long], false);
    decimation.columns(undefined, 1000);
    assert.equal(decimation.isCurrent(undefined, 1000), true);
    assert.equal(decimation.isCurrent(undefined, 1200), false);
    assert.equal(decimation.isCurrent({ min: 1, max: 2 }, 1000), false);
  });

  test('valueAt and countInRange read the full series', () => {
    const decimation = new ChartDecimation();
    decimation.setPoints([long], false);
    assert.equal(decimation.valueAt(0, long.x[12_345]), long.y[12_345]);
    assert.equal(decimation.valueAt(1, long.x[0]), null);
    assert.equal(decimation.countInRange(0, { min: long.x[100], max: long.x[200] }), 100);
  });
});
