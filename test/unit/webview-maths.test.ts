// Softened distributions, entropy and the comparisons of the results webview.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { logSoftmaxRow } from '../../src/engine/evaluate';
import {
  compressionRatio,
  entropyBits,
  gapRecovered,
  maxTemperature,
  minTemperature,
  snappedTemperature,
  softmaxAt,
  sliderToTemperature,
  temperatureSliderSteps,
  temperatureToSlider,
} from '../../src/webview/model/maths';

function assertClose(actual: number, expected: number, tolerance: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual} is not within ${tolerance} of ${expected}`);
}

describe('softmaxAt', () => {
  test('matches hand-computed values at T = 1', () => {
    // softmax([1, 2, 3]) = e^k / (e + e² + e³).
    const denominator = Math.E + Math.E ** 2 + Math.E ** 3;
    const expected = [Math.E / denominator, Math.E ** 2 / denominator, Math.E ** 3 / denominator];
    const actual = softmaxAt([1, 2, 3], 0, 3, 1);
    expected.forEach((value, k) => assertClose(actual[k], value, 1e-15, `class ${k}`));
  });

  test('matches the engine at several temperatures', () => {
    const logits = new Float32Array([3.2, -1.5, 0.25, 7.75, -4, 2.5, 0, 1, -0.5, 6]);
    for (const temperature of [0.5, 1, 4, 20, 50]) {
      const reference = logSoftmaxRow(logits, 0, logits.length, temperature);
      const actual = softmaxAt(logits, 0, logits.length, temperature);
      reference.forEach((logProbability, k) => assertClose(actual[k], Math.exp(logProbability), 1e-12, `T = ${temperature}, class ${k}`));
    }
  });

  test('reads one row at an offset', () => {
    const logits = [9, 9, 9, 0, Math.log(3), 0];
    const actual = softmaxAt(logits, 3, 3, 1);
    assertClose(actual[1], 3 / 5, 1e-15, 'middle class');
  });

  test('stays finite for large logits', () => {
    const actual = softmaxAt([1000, 999, -1000], 0, 3, 0.5);
    assert.ok(actual.every(Number.isFinite));
    assertClose(actual[0] + actual[1] + actual[2], 1, 1e-15, 'sum');
  });

  test('approaches uniform as T grows', () => {
    const actual = softmaxAt([5, 0, -5], 0, 3, 1e6);
    actual.forEach((value, k) => assertClose(value, 1 / 3, 1e-5, `class ${k}`));
  });
});

describe('entropyBits', () => {
  test('uniform distribution has log2 of the class count', () => {
    assertClose(entropyBits(new Array(10).fill(0.1)), Math.log2(10), 1e-12, 'ten classes');
  });

  test('one-hot distribution has zero entropy', () => {
    assert.equal(entropyBits([0, 1, 0]), 0);
  });

  test('fair coin has one bit', () => {
    assertClose(entropyBits([0.5, 0.5]), 1, 1e-15, 'coin');
  });

  test('grows with the temperature', () => {
    const logits = [4, 1, 0.5, -2];
    const low = entropyBits(softmaxAt(logits, 0, 4, 1));
    const high = entropyBits(softmaxAt(logits, 0, 4, 10));
    assert.ok(high > low, `${high} <= ${low}`);
  });
});

describe('gapRecovered', () => {
  test('recorded run recovers 278 of 473 errors', () => {
    assertClose(gapRecovered(234, 429, 707) as number, 278 / 473, 1e-15, 'mnist-quick');
  });

  test('distilled equal to the teacher recovers all', () => {
    assert.equal(gapRecovered(100, 100, 300), 1);
  });

  test('distilled worse than the baseline is negative', () => {
    assert.equal(gapRecovered(100, 400, 300), -0.5);
  });

  test('teacher not better than the baseline gives null', () => {
    assert.equal(gapRecovered(300, 200, 300), null);
    assert.equal(gapRecovered(350, 200, 300), null);
  });
});

describe('compressionRatio', () => {
  test('divides teacher by student parameters', () => {
    assertClose(compressionRatio(669706, 269322) as number, 2.4866, 1e-4, 'mnist-quick');
  });

  test('missing or zero counts give null', () => {
    assert.equal(compressionRatio(undefined, 10), null);
    assert.equal(compressionRatio(10, 0), null);
  });
});

describe('temperature slider', () => {
  test('ends map to the temperature range', () => {
    assertClose(sliderToTemperature(0), minTemperature, 1e-12, 'left end');
    assertClose(sliderToTemperature(temperatureSliderSteps), maxTemperature, 1e-12, 'right end');
  });

  test('scale is logarithmic', () => {
    // The middle of 0.5 … 50 on a log scale is their geometric mean, 5.
    assertClose(sliderToTemperature(temperatureSliderSteps / 2), 5, 1e-12, 'middle');
  });

  test('positions round-trip', () => {
    for (const position of [0, 1, 137, 500, 999, 1000]) {
      assert.equal(temperatureToSlider(sliderToTemperature(position)), position);
    }
  });

  test('out-of-range temperatures clamp', () => {
    assert.equal(temperatureToSlider(0.01), 0);
    assert.equal(temperatureToSlider(1000), temperatureSliderSteps);
  });

  test('nearest position snaps to the run temperature', () => {
    const position = temperatureToSlider(4);
    assert.equal(snappedTemperature(position, 4), 4);
    assert.notEqual(snappedTemperature(position + 1, 4), 4);
    assert.equal(snappedTemperature(position, undefined), sliderToTemperature(position));
  });
});
