import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import type { DataConfig, TransferConfig } from '../../src/config/types';
import { loadDataset, selectTransferSet, type Split } from '../../src/engine/data/dataset';
import { DataError } from '../../src/engine/data/errors';

const FIXTURES = join(__dirname, '..', 'fixtures', 'data');
let folder: string;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'distill-dataset-test-'));
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** The tiny IDX fixture: pixel p of training image i is (16 i + p) mod 256, label i mod 3. */
function tinyIdx(overrides: Partial<DataConfig> = {}): DataConfig {
  return {
    source: 'idx',
    train: { images: 'tiny-train-images-idx3-ubyte', labels: 'tiny-train-labels-idx1-ubyte' },
    test: { images: 'tiny-t10k-images-idx3-ubyte.gz', labels: 'tiny-t10k-labels-idx1-ubyte.gz' },
    validation: 2,
    normalization: 'none',
    ...overrides,
  } as DataConfig;
}

function tinyCsv(overrides: Partial<DataConfig> = {}): DataConfig {
  return {
    source: 'csv',
    train: 'tiny-train.csv',
    test: 'tiny-test.csv',
    labelColumn: 'label',
    header: 'auto',
    validation: 3,
    normalization: 'none',
    ...overrides,
  } as DataConfig;
}

/** `setting`, when given, is the JSON pointer of the config field that the error must name. */
async function assertDataError(promise: Promise<unknown>, fragments: string[], setting?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    }
    if (setting !== undefined) {
      assert.equal(error.setting, setting, error.message);
    }
    return true;
  });
}

function assertDataErrorSync(action: () => unknown, fragments: string[], setting?: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    }
    if (setting !== undefined) {
      assert.equal(error.setting, setting, error.message);
    }
    return true;
  });
}

function pixel(image: number, position: number): number {
  return (16 * image + position) % 256;
}

test('loadDataset splits IDX validation from end', async () => {
  const data = await loadDataset(tinyIdx(), FIXTURES);

  assert.equal(data.train.count, 10);
  assert.equal(data.validation.count, 2);
  assert.equal(data.test.count, 6);
  assert.equal(data.train.x.length, 10 * 16);
  assert.equal(data.validation.x.length, 2 * 16);
  assert.equal(data.test.x.length, 6 * 16);
  assert.deepEqual(data.shape, [4, 4, 1]);
  assert.equal(data.features, 16);
  assert.equal(data.classes, 3);
  assert.deepEqual(Array.from(data.validation.y), [10 % 3, 11 % 3]);
  assert.equal(data.validation.x[0], pixel(10, 0));
  assert.equal(data.validation.x[31], pixel(11, 15));
  assert.equal(data.train.x[9 * 16 + 15], pixel(9, 15));
  assert.equal(data.test.x[0], pixel(12, 0));
  assert.match(data.source, /tiny-train-images-idx3-ubyte/);
});

test('loadDataset resolves paths against baseDir', async () => {
  const config = tinyIdx({
    train: { images: 'data/tiny-train-images-idx3-ubyte', labels: 'data/tiny-train-labels-idx1-ubyte' },
    test: { images: 'data/tiny-t10k-images-idx3-ubyte.gz', labels: 'data/tiny-t10k-labels-idx1-ubyte.gz' },
  } as Partial<DataConfig>);

  const data = await loadDataset(config, join(FIXTURES, '..'));

  assert.equal(data.train.count, 10);
  assert.equal(data.test.count, 6);
});

test('loadDataset keeps first examples', async () => {
  const data = await loadDataset(tinyIdx({ trainExamples: 6, testExamples: 3 }), FIXTURES);

  assert.equal(data.train.count, 4);
  assert.equal(data.validation.count, 2);
  assert.equal(data.test.count, 3);
  assert.equal(data.validation.x[0], pixel(4, 0));
  assert.equal(data.validation.x.length, 32);
  assert.equal(data.test.x.length, 48);
  assert.deepEqual(Array.from(data.validation.y), [1, 2]);
  assert.deepEqual(Array.from(data.test.y), [0, 1, 2]);
});

test('loadDataset allows zero validation', async () => {
  const data = await loadDataset(tinyIdx({ validation: 0 }), FIXTURES);

  assert.equal(data.train.count, 12);
  assert.equal(data.validation.count, 0);
  assert.equal(data.validation.x.length, 0);
});

test('loadDataset rejects validation not below train count', async () => {
  await assertDataError(loadDataset(tinyIdx({ validation: 12 }), FIXTURES), [
    'data.validation is 12',
    'only 12 examples',
    'below 12',
  ], '/data/validation');
  await assertDataError(loadDataset(tinyIdx({ validation: 5, trainExamples: 5 }), FIXTURES), [
    'data.validation is 5',
    'only 5 examples',
    'data.trainExamples',
  ], '/data/validation');
});

test('loadDataset rejects limits above counts', async () => {
  await assertDataError(loadDataset(tinyIdx({ trainExamples: 13 }), FIXTURES), [
    'data.trainExamples is 13',
    'only 12 examples',
    'tiny-train-images-idx3-ubyte',
  ], '/data/trainExamples');
  await assertDataError(loadDataset(tinyIdx({ testExamples: 7 }), FIXTURES), ['data.testExamples is 7', 'only 6 examples'], '/data/testExamples');
  await assertDataError(loadDataset(tinyIdx({ testExamples: 0 }), FIXTURES), ['data.testExamples is 0', 'positive integer'], '/data/testExamples');
});

test('loadDataset unit divides by 255', async () => {
  const data = await loadDataset(tinyIdx({ normalization: 'unit' }), FIXTURES);

  assert.equal(data.train.x[17], Math.fround(pixel(1, 1) / 255));
  assert.equal(data.validation.x[0], Math.fround(pixel(10, 0) / 255));
  assert.equal(data.test.x[5], Math.fround(pixel(12, 5) / 255));
  assert.ok(Math.max(...data.train.x) <= 1);
});

test('loadDataset none keeps raw values', async () => {
  const data = await loadDataset(tinyCsv(), FIXTURES);

  assert.deepEqual(Array.from(data.train.x.subarray(3, 6)), [Math.fround(1.1), Math.fround(1.95), 1]);
});

test('loadDataset standard uses train statistics only', async () => {
  const raw = await loadDataset(tinyCsv(), FIXTURES);
  const data = await loadDataset(tinyCsv({ normalization: 'standard' }), FIXTURES);
  const features = raw.features;

  for (let j = 0; j < features; j++) {
    const column = Array.from({ length: raw.train.count }, (_, row) => raw.train.x[row * features + j]);
    const mean = column.reduce((sum, value) => sum + value, 0) / column.length;
    const std = Math.sqrt(column.reduce((sum, value) => sum + (value - mean) ** 2, 0) / column.length);

    const standardized = Array.from({ length: data.train.count }, (_, row) => data.train.x[row * features + j]);
    const standardizedMean = standardized.reduce((sum, value) => sum + value, 0) / standardized.length;
    const standardizedVariance = standardized.reduce((sum, value) => sum + value ** 2, 0) / standardized.length;
    assert.ok(Math.abs(standardizedMean) < 1e-6, `feature ${j} mean ${standardizedMean}`);
    assert.ok(Math.abs(standardizedVariance - 1) < 1e-5, `feature ${j} variance ${standardizedVariance}`);

    const expectedTest = Math.fround((raw.test.x[j] - mean) / std);
    assert.ok(Math.abs(data.test.x[j] - expectedTest) < 1e-6, `test feature ${j}: ${data.test.x[j]} vs ${expectedTest}`);
    const expectedValidation = Math.fround((raw.validation.x[j] - mean) / std);
    assert.ok(Math.abs(data.validation.x[j] - expectedValidation) < 1e-6, `validation feature ${j}`);
  }
});

test('loadDataset standard keeps constant feature finite', async () => {
  const train = await writeFileIn('constant-train.csv', 'a,b,label\n5,1,0\n5,2,1\n5,3,0\n');
  const test = await writeFileIn('constant-test.csv', 'a,b,label\n7,2,1\n');

  const data = await loadDataset(tinyCsv({ train, test, validation: 0, normalization: 'standard' } as Partial<DataConfig>), folder);

  assert.deepEqual(Array.from(data.train.x.filter((_, i) => i % 2 === 0)), [0, 0, 0]);
  assert.equal(data.test.x[0], 2);
});

test('loadDataset reads CSV shape and classes', async () => {
  const data = await loadDataset(tinyCsv(), FIXTURES);

  assert.equal(data.features, 3);
  assert.deepEqual(data.shape, [1, 3, 1]);
  assert.equal(data.classes, 3);
  assert.equal(data.train.count, 9);
  assert.equal(data.validation.count, 3);
  assert.equal(data.test.count, 6);
  assert.match(data.source, /tiny-train\.csv/);
});

test('loadDataset takes CSV image shape', async () => {
  const train = await writeFileIn('square-train.csv', '1,2,3,4,0\n5,6,7,8,1\n');
  const test = await writeFileIn('square-test.csv', '1,2,3,4,1\n');

  const data = await loadDataset(
    tinyCsv({ train, test, labelColumn: 4, header: false, validation: 0, shape: [2, 2, 1] } as Partial<DataConfig>),
    folder,
  );

  assert.deepEqual(data.shape, [2, 2, 1]);
  await assertDataError(
    loadDataset(tinyCsv({ train, test, labelColumn: 4, header: false, validation: 0, shape: [3, 1, 1] } as Partial<DataConfig>), folder),
    ['data.shape [3, 1, 1]', '4 feature columns'],
    '/data/shape',
  );
});

test('loadDataset counts classes over train and test', async () => {
  const train = await writeFileIn('classes-train.csv', '1,0\n2,1\n');
  const test = await writeFileIn('classes-test.csv', '3,3\n');

  const data = await loadDataset(tinyCsv({ train, test, labelColumn: 1, validation: 0 } as Partial<DataConfig>), folder);

  assert.equal(data.classes, 4);
});

test('loadDataset rejects CSV feature mismatch', async () => {
  const train = await writeFileIn('mismatch-train.csv', '1,2,0\n');
  const test = await writeFileIn('mismatch-test.csv', '1,2,3,0\n');

  await assertDataError(
    loadDataset(tinyCsv({ train, test, labelColumn: 0, header: false, validation: 0 } as Partial<DataConfig>), folder),
    ['test file has 3 feature columns', 'has 2', 'mismatch-test.csv'],
  );
});

test('loadDataset rejects IDX shape mismatch', async () => {
  const images = await writeFileIn('wide-images', idxBytes([1, 4, 5], new Array(20).fill(0)));
  const labels = await writeFileIn('wide-labels', idxBytes([1], [0]));
  const config = tinyIdx({ test: { images, labels } } as Partial<DataConfig>);

  await assertDataError(loadDataset(config, FIXTURES), ['test images are 4x5x1', 'are 4x4x1']);
});

test('loadDataset loads MNIST', async () => {
  const data = await loadDataset({ source: 'mnist', validation: 5000, normalization: 'unit' }, folder);

  assert.equal(data.train.count, 55000);
  assert.equal(data.validation.count, 5000);
  assert.equal(data.test.count, 10000);
  assert.equal(data.features, 784);
  assert.deepEqual(data.shape, [28, 28, 1]);
  assert.equal(data.classes, 10);
  assert.equal(data.train.y[0], 5);
  assert.equal(data.test.y[0], 7);
  assert.equal(data.train.x.length, 55000 * 784);
  let max = 0;
  for (const value of data.train.x) {
    max = Math.max(max, value);
  }
  assert.equal(max, 1);
});

/** Split of 8 examples with 2 features; row i is [i, 10 i] and its label is i mod 4. */
function smallSplit(): Split {
  const count = 8;
  const x = new Float32Array(count * 2);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = 10 * i;
    y[i] = i % 4;
  }
  return { x, y, count };
}

function transfer(overrides: Omit<Partial<TransferConfig>, 'adjustBias'>): TransferConfig {
  return { omitClasses: [], labels: true, adjustBias: { enabled: false, min: 0, max: 8, step: 0.25 }, ...overrides };
}

test('selectTransferSet keeps all by default', () => {
  const train = smallSplit();

  const selected = selectTransferSet(train, transfer({}), 4);

  assert.equal(selected.count, 8);
  assert.deepEqual(Array.from(selected.y), Array.from(train.y));
  assert.deepEqual(Array.from(selected.x), Array.from(train.x));
});

test('selectTransferSet omits classes in order', () => {
  const selected = selectTransferSet(smallSplit(), transfer({ omitClasses: [1, 3] }), 4);

  assert.equal(selected.count, 4);
  assert.deepEqual(Array.from(selected.y), [0, 2, 0, 2]);
  assert.deepEqual(Array.from(selected.x), [0, 0, 2, 20, 4, 40, 6, 60]);
});

test('selectTransferSet keeps first examples after omitting', () => {
  const selected = selectTransferSet(smallSplit(), transfer({ omitClasses: [0], examples: 3 }), 4);

  assert.equal(selected.count, 3);
  assert.deepEqual(Array.from(selected.y), [1, 2, 3]);
  assert.deepEqual(Array.from(selected.x), [1, 10, 2, 20, 3, 30]);
});

test('selectTransferSet keeps first examples', () => {
  const selected = selectTransferSet(smallSplit(), transfer({ examples: 2 }), 4);

  assert.equal(selected.count, 2);
  assert.deepEqual(Array.from(selected.x), [0, 0, 1, 10]);
  assert.deepEqual(Array.from(selected.y), [0, 1]);
});

test('selectTransferSet rejects too many examples', () => {
  assertDataErrorSync(() => selectTransferSet(smallSplit(), transfer({ omitClasses: [3], examples: 7 }), 4), [
    'transfer.examples is 7',
    'only 6 training examples remain',
    'omitting classes 3',
  ], '/transfer/examples');
  assertDataErrorSync(() => selectTransferSet(smallSplit(), transfer({ examples: 9 }), 4), [
    'transfer.examples is 9',
    'only 8',
  ], '/transfer/examples');
});

test('selectTransferSet rejects unknown omitted class', () => {
  assertDataErrorSync(() => selectTransferSet(smallSplit(), transfer({ omitClasses: [4] }), 4), [
    'omitClasses contains 4',
    'classes 0..3',
  ], '/transfer/omitClasses/0');
  assertDataErrorSync(() => selectTransferSet(smallSplit(), transfer({ omitClasses: [1, 7] }), 4), ['omitClasses contains 7'], '/transfer/omitClasses/1');
});

test('selectTransferSet rejects omitting every class', () => {
  assertDataErrorSync(() => selectTransferSet(smallSplit(), transfer({ omitClasses: [0, 1, 2, 3] }), 4), [
    'leaves no training examples',
  ], '/transfer/omitClasses');
});

async function writeFileIn(name: string, contents: string | Uint8Array): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, contents);
  return path;
}

/** Encodes a uint8 IDX file. */
function idxBytes(dims: number[], values: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}
