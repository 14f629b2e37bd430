import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { readCsv, type CsvReadOptions } from '../../src/engine/data/csv';
import { DataError } from '../../src/engine/data/errors';

const FIXTURES = join(__dirname, '..', 'fixtures', 'data');
let folder: string;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'distill-csv-test-'));
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function writeTemp(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

function row(x: Float32Array, features: number, index: number): number[] {
  return Array.from(x.subarray(index * features, (index + 1) * features));
}

/** Asserts a DataError for `file` at `line` whose message contains each fragment. */
async function assertDataError(
  promise: Promise<unknown>,
  file: string,
  line: number | undefined,
  fragments: string[],
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.equal(error.line, line);
    const location = line === undefined ? `${file}: ` : `${file}:${line}: `;
    assert.ok(error.message.startsWith(location), `message does not start with "${location}": ${error.message}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message lacks "${fragment}": ${error.message}`);
    }
    return true;
  });
}

const BY_INDEX: CsvReadOptions = { labelColumn: 2, header: false };

test('readCsv reads header and label by name', async () => {
  const table = await readCsv(join(FIXTURES, 'tiny-train.csv'), { labelColumn: 'label', header: true });

  assert.equal(table.count, 12);
  assert.equal(table.features, 3);
  assert.equal(table.labelIndex, 2);
  assert.deepEqual(table.featureNames, ['x1', 'x2', 'x3']);
  assert.deepEqual(Array.from(table.y), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  assert.deepEqual(row(table.x, 3, 0), [0, 0, 0]);
  assert.deepEqual(row(table.x, 3, 1), [Math.fround(1.1), Math.fround(1.95), 1]);
  assert.deepEqual(row(table.x, 3, 11), [Math.fround(2.3), Math.fround(3.45), 1]);
  assert.equal(table.x.length, 36);
});

test('readCsv reads file without header', async () => {
  const path = await writeTemp('no-header.csv', '0.5,1,1,7\n-2,3e2,0,8\n');

  const table = await readCsv(path, BY_INDEX);

  assert.equal(table.count, 2);
  assert.equal(table.features, 3);
  assert.equal(table.featureNames, undefined);
  assert.deepEqual(Array.from(table.y), [1, 0]);
  assert.deepEqual(Array.from(table.x), [0.5, 1, 7, -2, 300, 8]);
});

test('readCsv auto detects header row', async () => {
  const table = await readCsv(join(FIXTURES, 'tiny-train.csv'), { labelColumn: 'label', header: 'auto' });

  assert.equal(table.count, 12);
  assert.deepEqual(table.featureNames, ['x1', 'x2', 'x3']);
});

test('readCsv auto reads numeric first row as data', async () => {
  const path = await writeTemp('auto-numeric.csv', '1,2,0\n3,4,1\n');

  const table = await readCsv(path, { labelColumn: 2, header: 'auto' });

  assert.equal(table.count, 2);
  assert.equal(table.featureNames, undefined);
  assert.deepEqual(Array.from(table.x), [1, 2, 3, 4]);
});

test('readCsv handles CRLF, BOM, quotes, blank lines', async () => {
  const path = await writeTemp('windows.csv', '\ufeff"a","b","label"\r\n"1.5",2,0\r\n\r\n 3 , 4 ,1\r\n');

  const table = await readCsv(path, { labelColumn: 'label', header: 'auto' });

  assert.deepEqual(table.featureNames, ['a', 'b']);
  assert.deepEqual(Array.from(table.x), [1.5, 2, 3, 4]);
  assert.deepEqual(Array.from(table.y), [0, 1]);
});

test('readCsv grows past initial capacity', async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => `${i},${i % 7}`);
  const path = await writeTemp('long.csv', lines.join('\n'));

  const table = await readCsv(path, { labelColumn: 1, header: false });

  assert.equal(table.count, 3000);
  assert.equal(table.x[2999], 2999);
  assert.equal(table.y[2999], 2999 % 7);
  assert.equal(table.x.length, 3000);
});

test('readCsv reports short row line', async () => {
  // Line 3 is blank, so the short row is on line 4.
  const path = await writeTemp('short.csv', 'a,b,label\n1,2,0\n\n3,4\n5,6,1\n');

  await assertDataError(readCsv(path, { labelColumn: 'label', header: true }), path, 4, [
    'row has 2 columns, expected 3',
    'column 3 ("label") is missing',
  ]);
});

test('readCsv reports long row line', async () => {
  const path = await writeTemp('long-row.csv', '1,2,0\n3,4,1,99\n');

  await assertDataError(readCsv(path, BY_INDEX), path, 2, ['row has 4 columns, expected 3', 'column 4', '"99"']);
});

test('readCsv reports non-numeric cell', async () => {
  const path = await writeTemp('text-cell.csv', 'a,b,label\n1,2,0\n1,abc,1\n');

  await assertDataError(readCsv(path, { labelColumn: 'label', header: true }), path, 3, [
    'column 2 ("b")',
    '"abc"',
    'expected a decimal number',
  ]);
});

test('readCsv rejects empty and hex cells', async () => {
  const empty = await writeTemp('empty-cell.csv', '1,2,0\n,4,1\n');
  const hex = await writeTemp('hex-cell.csv', '1,2,0\n0x10,4,1\n');

  await assertDataError(readCsv(empty, BY_INDEX), empty, 2, ['column 1', 'value ""']);
  await assertDataError(readCsv(hex, BY_INDEX), hex, 2, ['column 1', '"0x10"']);
});

test('readCsv rejects header row when header false', async () => {
  const path = join(FIXTURES, 'tiny-train.csv');

  await assertDataError(readCsv(path, BY_INDEX), path, 1, ['column 1', '"x1"']);
});

const BAD_LABELS: [string, string][] = [
  ['fraction', '1.5'],
  ['negative', '-1'],
  ['name', 'setosa'],
  ['too large', '70000'],
];

for (const [kind, label] of BAD_LABELS) {
  test(`readCsv rejects ${kind} label`, async () => {
    const path = await writeTemp(`label-${kind}.csv`, `x,y,class\n1,2,0\n3,4,1\n5,6,${label}\n`);

    await assertDataError(readCsv(path, { labelColumn: 'class', header: true }), path, 4, [
      `label "${label}"`,
      'column 3 ("class")',
      'class id',
    ]);
  });
}

test('readCsv rejects unknown label name', async () => {
  const path = join(FIXTURES, 'tiny-train.csv');

  await assertDataError(readCsv(path, { labelColumn: 'species', header: true }), path, 1, [
    '"species" not found',
    '"x1", "x2", "label", "x3"',
  ]);
});

test('readCsv rejects label name without header', async () => {
  const path = await writeTemp('named-no-header.csv', '1,2,0\n');

  await assertDataError(readCsv(path, { labelColumn: 'label', header: 'auto' }), path, 1, [
    'no header row',
    'header "auto"',
  ]);
});

test('readCsv rejects label index out of range', async () => {
  const path = await writeTemp('index-range.csv', '1,2,0\n');

  await assertDataError(readCsv(path, { labelColumn: 3, header: false }), path, undefined, [
    'labelColumn 3 is out of range',
    '0..2',
  ]);
});

test('readCsv names the labelColumn setting', async () => {
  const path = join(FIXTURES, 'tiny-train.csv');
  const settingOf = async (options: Parameters<typeof readCsv>[1]) => {
    const error = await readCsv(path, options).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof DataError, String(error));
    return error.setting;
  };

  assert.equal(await settingOf({ labelColumn: 'species', header: true }), '/data/labelColumn');
  assert.equal(await settingOf({ labelColumn: 9, header: true }), '/data/labelColumn');
  assert.equal(
    await settingOf({ labelColumn: 'species', header: true, labelColumnSetting: '/transfer/source/labelColumn' }),
    '/transfer/source/labelColumn',
  );
});

test('readCsv rejects ambiguous label name', async () => {
  const path = await writeTemp('ambiguous.csv', 'label,x,label\n0,1,0\n');

  await assertDataError(readCsv(path, { labelColumn: 'label', header: true }), path, 1, ['ambiguous', 'columns 1 and 3']);
});

test('readCsv rejects single column', async () => {
  const path = await writeTemp('single.csv', '1\n2\n');

  await assertDataError(readCsv(path, { labelColumn: 0, header: false }), path, 1, ['1 column,', 'at least 2']);
});

test('readCsv rejects file without data rows', async () => {
  const headerOnly = await writeTemp('header-only.csv', 'a,label\n');
  const empty = await writeTemp('empty.csv', '');

  await assertDataError(readCsv(headerOnly, { labelColumn: 'label', header: true }), headerOnly, undefined, ['no data rows']);
  await assertDataError(readCsv(empty, { labelColumn: 0, header: 'auto' }), empty, undefined, ['no data rows']);
});

test('readCsv reports unclosed quote', async () => {
  const path = await writeTemp('quote.csv', '1,2,0\n3,"4,1\n');

  await assertDataError(readCsv(path, BY_INDEX), path, 2, ['invalid CSV', 'Quote Not Closed']);
});

test('readCsv reports missing file', async () => {
  const path = join(folder, 'missing.csv');

  await assertDataError(readCsv(path, BY_INDEX), path, undefined, ['CSV file not found']);
});
