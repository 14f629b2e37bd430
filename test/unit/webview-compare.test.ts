// The compare view's config differences and metrics, and the view settings read back from a
// webview's saved state.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { EventsReader, readCompareRun } from '../../src/extension/results/runFolder';
import { configDifferences, flattenJson, runMetrics } from '../../src/webview/model/compare';
import { readResultsUi } from '../../src/webview/model/uiState';

const fixtureDir = path.resolve(__dirname, '../fixtures/runs/mnist-quick');

describe('flattenJson', () => {
  test('joins object keys with dots', () => {
    const flat = flattenJson({ teacher: { train: { epochs: 3 } }, name: 'a' });
    assert.deepEqual([...flat], [['name', '"a"'], ['teacher.train.epochs', '3']]);
  });

  test('keeps arrays of primitives whole', () => {
    assert.deepEqual([...flattenJson({ hidden: [512, 512], omit: [] })], [['hidden', '[512,512]'], ['omit', '[]']]);
  });

  test('indexes arrays of objects', () => {
    const flat = flattenJson({ ensemble: [{ load: 'a.json' }, { load: 'b.json' }] });
    assert.deepEqual([...flat], [['ensemble[0].load', '"a.json"'], ['ensemble[1].load', '"b.json"']]);
  });

  test('keeps empty objects and nulls', () => {
    assert.deepEqual([...flattenJson({ schedule: {}, seed: null })], [['schedule', '{}'], ['seed', 'null']]);
  });
});

describe('configDifferences', () => {
  test('lists only paths whose values differ', () => {
    const differences = configDifferences([
      { name: 'a', distillation: { temperature: 4, softWeight: 0.9 } },
      { name: 'b', distillation: { temperature: 8, softWeight: 0.9 } },
    ]);
    assert.deepEqual(differences, [
      { path: 'distillation.temperature', values: ['4', '8'] },
      { path: 'name', values: ['"a"', '"b"'] },
    ]);
  });

  test('marks a path that one config lacks', () => {
    const differences = configDifferences([{ baseline: true }, {}, { baseline: true }]);
    assert.deepEqual(differences, [{ path: 'baseline', values: ['true', undefined, 'true'] }]);
  });

  test('identical and missing configs', () => {
    assert.deepEqual(configDifferences([{ seed: 1 }, { seed: 1 }]), []);
    assert.deepEqual(configDifferences([undefined, { seed: 1 }]), [{ path: 'seed', values: [undefined, '1'] }]);
  });
});

describe('runMetrics', () => {
  test('reads the recorded run', () => {
    const run = readCompareRun('20261204-210156-mnist-quick', fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl')), []);
    const metrics = runMetrics(run);
    assert.deepEqual(metrics.errors, { teacher: 234, distilled: 429, baseline: 707 });
    assert.equal(metrics.gapRecovered, 278 / 473);
    assert.equal(metrics.compressionRatio, 669706 / 269322);
    assert.equal(metrics.temperature, 4);
    assert.equal(metrics.examples, 10000);
    assert.equal(run.epochs.length, 63);
  });

  test('run without a summary has no gap', () => {
    const metrics = runMetrics({ runId: 'r', runName: 'r', status: 'running', epochs: [] });
    assert.equal(metrics.gapRecovered, null);
    assert.equal(metrics.compressionRatio, null);
    assert.deepEqual(metrics.errors, {});
  });
});

describe('readResultsUi', () => {
  test('keeps valid settings', () => {
    const ui = readResultsUi({
      view: 'results',
      runId: 'r',
      ui: { tab: 2, temperature: 8, example: 17, filter: { kind: 'class', label: 3 }, charts: { 'loss-chart': { logScale: true, hidden: ['teacher-step'] } } },
    });
    assert.deepEqual(ui, { tab: 2, temperature: 8, example: 17, filter: { kind: 'class', label: 3 }, charts: { 'loss-chart': { logScale: true, hidden: ['teacher-step'] } } });
  });

  test('replaces invalid fields with defaults', () => {
    const ui = readResultsUi({ ui: { tab: 9, temperature: -1, example: 1.5, filter: { kind: 'misclassified', role: 'student' }, charts: { a: { logScale: 'yes' } } } });
    assert.deepEqual(ui, { tab: 0, temperature: undefined, example: 0, filter: { kind: 'all' }, charts: {} });
  });

  test('accepts no saved state', () => {
    assert.deepEqual(readResultsUi(undefined), { tab: 0, temperature: undefined, example: 0, filter: { kind: 'all' }, charts: {} });
  });
});
