// The sample explorer's model: decoding the softened subset, filters and stepping, and pixels.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { EventsReader, readResultsSnapshot } from '../../src/extension/results/runFolder';
import type { SoftenedSubset } from '../../src/protocol/webview';
import { argmax } from '../../src/webview/model/maths';
import { countMatches, decodeSoftened, exampleDistribution, exampleRgba, isImageShape, matchesFilter, stepExample } from '../../src/webview/model/softened';

const fixtureDir = path.resolve(__dirname, '../fixtures/runs/mnist-quick');

function littleEndian(values: number[], type: 'int32' | 'float32'): ArrayBuffer {
  const buffer = new ArrayBuffer(values.length * 4);
  const view = new DataView(buffer);
  values.forEach((value, index) => (type === 'int32' ? view.setInt32(index * 4, value, true) : view.setFloat32(index * 4, value, true)));
  return buffer;
}

/** Four 2×2 single-channel examples of 3 classes: the teacher is right on all, the baseline wrong on examples 1 and 3. */
function smallSubset(): SoftenedSubset {
  return {
    count: 4,
    classes: 3,
    features: 4,
    shape: [2, 2, 1],
    inputFormat: 'uint8',
    labels: littleEndian([0, 1, 2, 1], 'int32'),
    inputs: new Uint8Array([0, 255, 128, 64, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).buffer,
    logits: {
      teacher: littleEndian([5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 5, 0], 'float32'),
      baseline: littleEndian([5, 0, 0, 5, 0, 0, 0, 0, 5, 0, 0, 5], 'float32'),
    },
  };
}

describe('decodeSoftened', () => {
  test('reads the recorded subset', () => {
    const snapshot = readResultsSnapshot('run', fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl')));
    const decoded = decodeSoftened(snapshot.softened!);
    assert.equal(decoded.count, 300);
    assert.deepEqual(decoded.roles, ['teacher', 'distilled', 'baseline']);
    assert.equal(decoded.inputs.length, 300 * 784);
    assert.ok(decoded.labels.every((label) => label >= 0 && label < 10));
    // MNIST's first test image is a 7; every model gets it right.
    assert.equal(decoded.labels[0], 7);
    assert.equal(decoded.predictions.teacher?.[0], 7);
  });

  test('reads little-endian values and predictions', () => {
    const decoded = decodeSoftened(smallSubset());
    assert.deepEqual([...decoded.labels], [0, 1, 2, 1]);
    assert.deepEqual([...(decoded.predictions.baseline ?? [])], [0, 0, 2, 2]);
    assert.deepEqual(decoded.roles, ['teacher', 'baseline']);
  });

  test('rejects logits of the wrong size', () => {
    const subset = smallSubset();
    subset.logits.teacher = subset.logits.teacher!.slice(0, 8);
    assert.throws(() => decodeSoftened(subset), /teacher\.f32 has 8 bytes, but 4 examples need 48/);
  });

  test('rejects float inputs of the wrong size', () => {
    assert.throws(() => decodeSoftened({ ...smallSubset(), inputFormat: 'float32' }), /inputs\.f32 has 16 bytes, but 4 examples need 64/);
  });
});

describe('example filters', () => {
  const decoded = decodeSoftened(smallSubset());

  test('misclassified by a model', () => {
    const filter = { kind: 'misclassified', role: 'baseline' } as const;
    assert.deepEqual([0, 1, 2, 3].filter((index) => matchesFilter(decoded, index, filter)), [1, 3]);
    assert.equal(countMatches(decoded, { kind: 'misclassified', role: 'teacher' }), 0);
    assert.equal(countMatches(decoded, { kind: 'misclassified', role: 'any' }), 2);
  });

  test('a model without logits matches nothing', () => {
    assert.equal(countMatches(decoded, { kind: 'misclassified', role: 'distilled' }), 0);
  });

  test('stepping wraps around both ways', () => {
    const filter = { kind: 'misclassified', role: 'any' } as const;
    assert.equal(stepExample(decoded, 1, 1, filter), 3);
    assert.equal(stepExample(decoded, 3, 1, filter), 1);
    assert.equal(stepExample(decoded, 1, -1, filter), 3);
    assert.equal(stepExample(decoded, 0, 1, { kind: 'class', label: 2 }), 2);
  });

  test('stepping finds the only match, or none', () => {
    assert.equal(stepExample(decoded, 2, 1, { kind: 'class', label: 2 }), 2);
    assert.equal(stepExample(decoded, 0, 1, { kind: 'misclassified', role: 'teacher' }), undefined);
  });
});

describe('example display', () => {
  const decoded = decodeSoftened(smallSubset());

  test('distribution peaks at the prediction', () => {
    const distribution = exampleDistribution(decoded, 'baseline', 1, 1)!;
    assert.equal(argmax(distribution), 0);
    assert.equal(exampleDistribution(decoded, 'distilled', 1, 1), undefined);
  });

  test('grey pixels become opaque RGBA', () => {
    const rgba = exampleRgba(decoded, 0);
    assert.deepEqual([...rgba.slice(0, 8)], [0, 0, 0, 255, 255, 255, 255, 255]);
    assert.equal(rgba.length, 16);
  });

  test('float inputs stretch to their range', () => {
    const subset: SoftenedSubset = { ...smallSubset(), inputFormat: 'float32', inputs: littleEndian([-1, 0, 1, 0, ...new Array(12).fill(0)], 'float32') };
    const rgba = exampleRgba(decodeSoftened(subset), 0);
    assert.deepEqual([rgba[0], rgba[4], rgba[8]], [0, 128, 255]);
  });

  test('image shapes', () => {
    assert.equal(isImageShape([28, 28, 1], 784), true);
    assert.equal(isImageShape([32, 32, 3], 3072), true);
    assert.equal(isImageShape([1, 20, 1], 20), false);
    assert.equal(isImageShape([28, 28, 1], 100), false);
  });
});
