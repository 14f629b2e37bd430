import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createRng,
  gatherLabels,
  gatherRows,
  jitterImages,
  randomShift,
  shuffledOrder,
  type Rng,
} from '../../src/engine/data/batches';

function draws(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => rng());
}

test('createRng repeats sequence for same seed', () => {
  assert.deepEqual(draws(createRng(42), 5), draws(createRng(42), 5));
  assert.deepEqual(draws(createRng('run/epoch-1'), 5), draws(createRng('run/epoch-1'), 5));
});

test('createRng differs across seeds', () => {
  assert.notDeepEqual(draws(createRng(1), 5), draws(createRng(2), 5));
  assert.notDeepEqual(draws(createRng('a/epoch-1'), 5), draws(createRng('a/epoch-2'), 5));
});

test('createRng treats number and string alike', () => {
  assert.deepEqual(draws(createRng(7), 3), draws(createRng('7'), 3));
});

test('createRng draws in [0, 1)', () => {
  for (const value of draws(createRng(3), 10000)) {
    assert.ok(value >= 0, `draw ${value} below 0`);
    assert.ok(value < 1, `draw ${value} not below 1`);
  }
});

test('shuffledOrder returns permutation', () => {
  const order = shuffledOrder(1000, createRng(5));

  assert.ok(order instanceof Int32Array);
  assert.equal(order.length, 1000);
  assert.deepEqual(Array.from(order).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  assert.notDeepEqual(Array.from(order), Array.from({ length: 1000 }, (_, i) => i));
});

test('shuffledOrder repeats for same seed', () => {
  assert.deepEqual(shuffledOrder(500, createRng(9)), shuffledOrder(500, createRng(9)));
});

test('shuffledOrder differs across seeds', () => {
  assert.notDeepEqual(shuffledOrder(500, createRng(9)), shuffledOrder(500, createRng(10)));
});

test('shuffledOrder handles zero and one', () => {
  assert.deepEqual(Array.from(shuffledOrder(0, createRng(1))), []);
  assert.deepEqual(Array.from(shuffledOrder(1, createRng(1))), [0]);
});

test('shuffledOrder reaches all permutations evenly', () => {
  // 6000 shuffles of 3 items: each of the 6 orders is expected 1000 times (sd about 29).
  // Sattolo's off-by-one variant would produce only the 2 cyclic orders.
  const rng = createRng('uniformity');
  const counts = new Map<string, number>();
  for (let i = 0; i < 6000; i++) {
    const key = Array.from(shuffledOrder(3, rng)).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }

  assert.equal(counts.size, 6);
  for (const [order, count] of counts) {
    assert.ok(count > 850, `order ${order} drawn only ${count} times of 6000`);
    assert.ok(count < 1150, `order ${order} drawn ${count} times of 6000`);
  }
});

/** Source of 5 rows of 3 values; row r is [r, 10 r, 100 r]. */
function rows(): Float32Array {
  const source = new Float32Array(15);
  for (let r = 0; r < 5; r++) {
    source.set([r, 10 * r, 100 * r], 3 * r);
  }
  return source;
}

test('gatherRows copies indexed rows in order', () => {
  const indices = Int32Array.from([4, 0, 2, 1, 3]);
  const out = new Float32Array(12).fill(-1);

  const copied = gatherRows(rows(), 3, indices, 1, 4, out);

  assert.equal(copied, 3);
  assert.deepEqual(Array.from(out.subarray(0, 9)), [0, 0, 0, 2, 20, 200, 1, 10, 100]);
  assert.deepEqual(Array.from(out.subarray(9)), [-1, -1, -1]);
});

test('gatherRows handles empty range', () => {
  const out = new Float32Array(3).fill(-1);

  assert.equal(gatherRows(rows(), 3, Int32Array.from([1]), 1, 1, out), 0);
  assert.deepEqual(Array.from(out), [-1, -1, -1]);
});

test('gatherRows rejects small out buffer', () => {
  assert.throws(() => gatherRows(rows(), 3, Int32Array.from([0, 1]), 0, 2, new Float32Array(5)), RangeError);
});

test('gatherRows rejects index past source', () => {
  assert.throws(() => gatherRows(rows(), 3, Int32Array.from([5]), 0, 1, new Float32Array(3)), RangeError);
});

test('gatherRows rejects range past indices', () => {
  assert.throws(() => gatherRows(rows(), 3, Int32Array.from([0, 1]), 1, 3, new Float32Array(9)), RangeError);
});

test('gatherLabels copies indexed labels', () => {
  const labels = Int32Array.from([7, 8, 9, 6]);
  const out = new Int32Array(4).fill(-1);

  const copied = gatherLabels(labels, Int32Array.from([3, 1, 0, 2]), 0, 3, out);

  assert.equal(copied, 3);
  assert.deepEqual(Array.from(out), [6, 8, 7, -1]);
});

test('randomShift stays within bounds', () => {
  const rng = createRng('shift');
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const shift = randomShift(rng, 2);
    assert.ok(Number.isInteger(shift), `shift ${shift} is not an integer`);
    assert.ok(shift >= -2, `shift ${shift} below -2`);
    assert.ok(shift <= 2, `shift ${shift} above 2`);
    seen.add(shift);
  }
  assert.equal(seen.size, 5);
});

interface Pixel {
  x: number;
  y: number;
  channel: number;
}

/** Builds `count` images that are 0 except for a 1 at `lit`. */
function litImages(count: number, shape: [number, number, number], lit: Pixel): Float32Array {
  const [height, width, channels] = shape;
  const images = new Float32Array(count * height * width * channels);
  for (let image = 0; image < count; image++) {
    images[((image * height + lit.y) * width + lit.x) * channels + lit.channel] = 1;
  }
  return images;
}

const LIT_CASES: { name: string; shape: [number, number, number]; lit: Pixel }[] = [
  { name: 'centre pixel', shape: [5, 5, 1], lit: { x: 2, y: 2, channel: 0 } },
  { name: 'corner pixel', shape: [5, 5, 1], lit: { x: 0, y: 0, channel: 0 } },
  { name: 'edge pixel of 2 channels', shape: [4, 6, 2], lit: { x: 5, y: 1, channel: 1 } },
];

for (const { name, shape, lit } of LIT_CASES) {
  test(`jitterImages moves ${name} by drawn offset`, () => {
    const [height, width, channels] = shape;
    const imageSize = height * width * channels;
    const count = 60;
    const maxShift = 2;
    const src = litImages(count, shape, lit);
    const dst = new Float32Array((count + 1) * imageSize).fill(-1);
    const twin = createRng('jitter');

    jitterImages(src, dst, count, shape, maxShift, createRng('jitter'));

    let shiftedOut = 0;
    for (let image = 0; image < count; image++) {
      const dx = randomShift(twin, maxShift);
      const dy = randomShift(twin, maxShift);
      const x = lit.x + dx;
      const y = lit.y + dy;
      const inside = x >= 0 && x < width && y >= 0 && y < height;
      const expected = new Float32Array(imageSize);
      if (inside) {
        expected[(y * width + x) * channels + lit.channel] = 1;
      } else {
        shiftedOut++;
      }
      const actual = dst.subarray(image * imageSize, (image + 1) * imageSize);
      assert.deepEqual(actual, expected, `image ${image}, dx ${dx}, dy ${dy}`);
    }

    assert.ok(dst.subarray(count * imageSize).every((value) => value === -1), 'wrote past count images');
    if (lit.x === 0) {
      assert.ok(shiftedOut > 0, 'no draw moved the corner pixel out, so the case tests nothing');
    }
  });
}

test('jitterImages matches per-pixel reference', () => {
  const shape: [number, number, number] = [6, 7, 3];
  const [height, width, channels] = shape;
  const count = 20;
  const source = createRng('content');
  const src = Float32Array.from({ length: count * height * width * channels }, () => source());
  const dst = new Float32Array(src.length);
  const twin = createRng('reference');

  jitterImages(src, dst, count, shape, 3, createRng('reference'));

  for (let image = 0; image < count; image++) {
    const dx = randomShift(twin, 3);
    const dy = randomShift(twin, 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let channel = 0; channel < channels; channel++) {
          const sourceX = x - dx;
          const sourceY = y - dy;
          const inside = sourceX >= 0 && sourceX < width && sourceY >= 0 && sourceY < height;
          const expected = inside ? src[((image * height + sourceY) * width + sourceX) * channels + channel] : 0;
          const actual = dst[((image * height + y) * width + x) * channels + channel];
          assert.equal(actual, expected, `image ${image} (dx ${dx}, dy ${dy}) pixel ${x},${y},${channel}`);
        }
      }
    }
  }
});

test('jitterImages handles shifts wider than image', () => {
  const shape: [number, number, number] = [2, 2, 1];
  const src = Float32Array.from([1, 2, 3, 4]);
  const dst = new Float32Array(4);

  // With maxShift 5 most draws move the 2x2 image out entirely. Each output value must be 0 or an input value.
  for (let seed = 0; seed < 20; seed++) {
    jitterImages(src, dst, 1, shape, 5, createRng(seed));
    assert.ok(dst.every((value) => [0, 1, 2, 3, 4].includes(value)), `seed ${seed}: ${Array.from(dst)}`);
  }
});

test('jitterImages repeats for same seed', () => {
  const shape: [number, number, number] = [8, 8, 1];
  const src = Float32Array.from({ length: 10 * 64 }, (_, i) => i % 17);
  const first = new Float32Array(src.length);
  const second = new Float32Array(src.length);

  jitterImages(src, first, 10, shape, 2, createRng(11));
  jitterImages(src, second, 10, shape, 2, createRng(11));

  assert.deepEqual(first, second);
});

test('jitterImages with zero shift copies', () => {
  const src = Float32Array.from({ length: 2 * 9 }, (_, i) => i + 1);
  const dst = new Float32Array(src.length + 1).fill(-1);
  const rng = createRng(4);

  jitterImages(src, dst, 2, [3, 3, 1], 0, rng);

  assert.deepEqual(Array.from(dst.subarray(0, 18)), Array.from(src));
  assert.equal(dst[18], -1);
  assert.equal(rng(), createRng(4)(), 'maxShift 0 drew random numbers');
});

test('jitterImages rejects overlapping buffers', () => {
  const buffer = new Float32Array(18);

  assert.throws(() => jitterImages(buffer.subarray(0, 9), buffer.subarray(4), 1, [3, 3, 1], 1, createRng(1)), RangeError);
});

test('jitterImages rejects negative shift', () => {
  assert.throws(() => jitterImages(new Float32Array(9), new Float32Array(9), 1, [3, 3, 1], -1, createRng(1)), RangeError);
});
