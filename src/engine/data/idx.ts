// Reader for IDX files, the format in which the MNIST images and labels are distributed.
//
// Layout: two zero bytes, a type byte, a dimension count d, then d big-endian uint32 sizes,
// then the values in row-major order, big-endian when they are wider than one byte.
// Files may be gzip-compressed. Compression is detected by the magic bytes 1f 8b, not by the
// file name, so `train-images-idx3-ubyte.gz` and a renamed copy both work.

import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

import { DataError, toFileError } from './errors';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** Contents of one IDX file: `data` contains product(dims) values in row-major order. */
export interface IdxArray {
  dims: number[];
  data: IdxData;
}

/** Images and their labels read from a pair of IDX files. */
export interface IdxImagesAndLabels {
  /** dims are [count, height, width] or [count, height, width, channels]. */
  images: IdxArray;
  /** One class id in 0..255 per image. */
  labels: Int32Array;
  count: number;
  /** [height, width, channels]; channels is 1 for 3-D image files. */
  shape: [number, number, number];
}

interface IdxElementType {
  name: string;
  bytes: number;
  /** Builds a typed array of `count` values from big-endian bytes. */
  decode(bytes: Uint8Array, count: number): IdxData;
}

const gunzipAsync = promisify(gunzip);

// IDX data sets such as MNIST have 1 to 4 dimensions; a count above this means the file is not IDX.
const MAX_DIMENSIONS = 8;

const ELEMENT_TYPES: ReadonlyMap<number, IdxElementType> = new Map<number, IdxElementType>([
  [0x08, { name: 'uint8', bytes: 1, decode: (bytes, count) => new Uint8Array(bytes.buffer, bytes.byteOffset, count) }],
  [0x09, { name: 'int8', bytes: 1, decode: (bytes, count) => new Int8Array(bytes.buffer, bytes.byteOffset, count) }],
  [0x0b, { name: 'int16', bytes: 2, decode: (bytes, count) => decodeBigEndian(bytes, new Int16Array(count)) }],
  [0x0c, { name: 'int32', bytes: 4, decode: (bytes, count) => decodeBigEndian(bytes, new Int32Array(count)) }],
  [0x0d, { name: 'float32', bytes: 4, decode: (bytes, count) => decodeBigEndian(bytes, new Float32Array(count)) }],
  [0x0e, { name: 'float64', bytes: 8, decode: (bytes, count) => decodeBigEndian(bytes, new Float64Array(count)) }],
]);

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Reads an IDX file, plain or gzip-compressed.
 * Raises DataError naming the file when the header is invalid or the size differs from what the
 * header declares. One-byte types are returned as views on the file's bytes, without a copy.
 */
export async function readIdx(path: string): Promise<IdxArray> {
  const { bytes, compressed } = await readMaybeGzipped(path);
  const sizeName = compressed ? 'decompressed size' : 'file size';

  if (bytes.length < 4) {
    throw new DataError(
      `${sizeName} is ${bytes.length} bytes, too short for an IDX header (at least 4 bytes). ` +
        'Check that the path points to an IDX file and that the file is complete.',
      { file: path },
    );
  }

  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = formatHex(bytes.subarray(0, 4));
    throw new DataError(
      `invalid IDX magic number ${magic}: expected the first two bytes to be 00 00 ` +
        '(an IDX file starts with 00 00, a type byte and a dimension count). ' +
        'Check that the path points to an IDX file such as train-images-idx3-ubyte or its .gz.',
      { file: path },
    );
  }

  const typeByte = bytes[2];
  const elementType = ELEMENT_TYPES.get(typeByte);
  if (elementType === undefined) {
    throw new DataError(
      `invalid IDX type byte 0x${hexByte(typeByte)}: expected 0x08 (uint8), 0x09 (int8), 0x0b (int16), ` +
        '0x0c (int32), 0x0d (float32) or 0x0e (float64). The file is damaged or not an IDX file.',
      { file: path },
    );
  }

  const dimensionCount = bytes[3];
  if (dimensionCount < 1 || dimensionCount > MAX_DIMENSIONS) {
    throw new DataError(
      `invalid IDX dimension count ${dimensionCount}: expected 1 to ${MAX_DIMENSIONS}. ` +
        'The file is damaged or not an IDX file.',
      { file: path },
    );
  }

  const headerBytes = 4 + 4 * dimensionCount;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${sizeName} is ${bytes.length} bytes, too short for the header of a ${dimensionCount}-dimensional IDX file ` +
        `(${headerBytes} bytes). The file is truncated: copy or download it again.`,
      { file: path },
    );
  }

  const header = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims: number[] = [];
  for (let i = 0; i < dimensionCount; i++) {
    dims.push(header.getUint32(4 + 4 * i, false));
  }

  // Sizes are uint32, so the product stays exact in a double up to 2^53. A larger declared
  // size cannot match any real file, so it fails the size check below.
  const count = dims.reduce((product, size) => product * size, 1);
  const expectedBytes = headerBytes + count * elementType.bytes;
  if (bytes.length !== expectedBytes) {
    const problem =
      bytes.length < expectedBytes
        ? `the file is truncated by ${expectedBytes - bytes.length} bytes`
        : `the file has ${bytes.length - expectedBytes} trailing bytes`;
    throw new DataError(
      `${sizeName} is ${bytes.length} bytes, but its header (${elementType.name}, dims ${dims.join('x')}) ` +
        `requires ${headerBytes} + ${count * elementType.bytes} = ${expectedBytes} bytes, so ${problem}. ` +
        'Copy or download the file again.',
      { file: path },
    );
  }

  const data = elementType.decode(bytes.subarray(headerBytes), count);
  return { dims, data };
}

/**
 * Reads an image file and a label file and checks that they belong together.
 * Images must be 3-D (count, height, width) or 4-D (count, height, width, channels); labels
 * 1-D with the same count and integer values in 0..255.
 */
export async function readIdxImagesAndLabels(imagesPath: string, labelsPath: string): Promise<IdxImagesAndLabels> {
  const [images, labelArray] = await Promise.all([readIdx(imagesPath), readIdx(labelsPath)]);

  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataError(
      `images must be 3-D (count, height, width) or 4-D (count, height, width, channels), ` +
        `but the file has ${countOf(images.dims.length, 'dimension')} (${images.dims.join('x')}). ` +
        'Check that the images and labels paths are not swapped.',
      { file: imagesPath },
    );
  }
  const [count, height, width] = images.dims;
  const channels = images.dims.length === 4 ? images.dims[3] : 1;
  if (height === 0 || width === 0 || channels === 0) {
    throw new DataError(
      `images have an empty dimension (dims ${images.dims.join('x')}): expected height, width and channels ` +
        'of at least 1. The file is damaged.',
      { file: imagesPath },
    );
  }

  if (labelArray.dims.length !== 1) {
    throw new DataError(
      `labels must be 1-D (one class id per image), but the file has ${countOf(labelArray.dims.length, 'dimension')} ` +
        `(${labelArray.dims.join('x')}). Check that the images and labels paths are not swapped.`,
      { file: labelsPath },
    );
  }
  if (labelArray.dims[0] !== count) {
    throw new DataError(
      `label count ${labelArray.dims[0]} does not match the image count ${count} of ${imagesPath}. ` +
        'Use the labels file that belongs to these images.',
      { file: labelsPath },
    );
  }

  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labelArray.data[i];
    if (!Number.isInteger(label) || label < 0 || label > 255) {
      throw new DataError(
        `label ${label} of example ${i} (0-based) is invalid: expected an integer class id in 0..255. ` +
          'Check that this is a labels file and not an images or feature file.',
        { file: labelsPath },
      );
    }
    labels[i] = label;
  }

  return { images, labels, count, shape: [height, width, channels] };
}

async function readMaybeGzipped(path: string): Promise<{ bytes: Uint8Array; compressed: boolean }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw toFileError(error, path, 'IDX file');
  }

  if (bytes.length < 2 || bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) {
    return { bytes, compressed: false };
  }
  try {
    return { bytes: await gunzipAsync(bytes), compressed: true };
  } catch (error) {
    throw new DataError(
      `file is gzip-compressed but could not be decompressed (${(error as Error).message}). ` +
        'The file is probably truncated: copy or download it again.',
      { file: path },
    );
  }
}

/** Copies big-endian bytes into `target` and converts them to the platform's byte order. */
function decodeBigEndian<T extends Int16Array | Int32Array | Float32Array | Float64Array>(bytes: Uint8Array, target: T): T {
  const targetBytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  targetBytes.set(bytes.subarray(0, target.byteLength));

  if (endianness() === 'LE') {
    const view = Buffer.from(target.buffer, target.byteOffset, target.byteLength);
    switch (target.BYTES_PER_ELEMENT) {
      case 2:
        view.swap16();
        break;
      case 4:
        view.swap32();
        break;
      case 8:
        view.swap64();
        break;
    }
  }
  return target;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function hexByte(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function formatHex(bytes: Uint8Array): string {
  return Array.from(bytes, hexByte).join(' ');
}
