// Reader for CSV files with one integer label column and numeric feature columns.
//
// Parsing (quotes, CRLF, byte-order mark) is done by csv-parse, streamed so that a large file
// is never kept in memory as strings all at once. Empty lines are skipped. Line and column
// numbers in errors are 1-based, as editors and spreadsheets show them. For a record whose
// quoted cell spans several lines, the line reported is the record's last line.
//
// csv-parse 7 reads about 15 MB/s: a 28 MB file of 10 000 rows x 785 columns took 1.6 to 2 s
// on a shared 2-core machine. Large image sets therefore load much faster as IDX files.

import { createReadStream } from 'node:fs';

import { CsvError, parse } from 'csv-parse';

import { DataError, toFileError } from './errors';

export interface CsvReadOptions {
  /** Column of the integer class label: a 0-based index, or a header name. */
  labelColumn: number | string;
  /** `auto` treats the first row as a header when any of its cells is not a number. */
  header: boolean | 'auto';
  /** JSON pointer of the config field that sets `labelColumn`, given to errors about it. The default is `/data/labelColumn`. */
  labelColumnSetting?: string;
}

/** Rows of a CSV file, with the label column split off and the feature columns in file order. */
export interface CsvTable {
  /** Features, row-major: count * features values. */
  x: Float32Array;
  /** Class ids, one per row. */
  y: Int32Array;
  count: number;
  features: number;
  /** Names of the feature columns from the header row; undefined when the file has no header. */
  featureNames?: string[];
  /** 0-based index of the label column among all columns. */
  labelIndex: number;
}

// Guards against a label column that contains ids or measurements instead of class ids 0..K-1.
// Each class becomes an output unit, so a stray large value would build an absurd model.
const MAX_LABEL = 65_535;

// Plain decimal numbers only: `Number()` alone would also accept '0x1f', 'Infinity' and ''.
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/** Column layout fixed by the first record. */
interface CsvLayout {
  columns: number;
  labelIndex: number;
  names?: string[];
}

/**
 * Reads a CSV file into features and labels.
 * Raises DataError for a row with a wrong number of columns, a cell that is not a decimal
 * number, a label that is not an integer in 0..65535, and a file without data rows. The error
 * names the file, the line, the column and the value.
 */
export async function readCsv(path: string, options: CsvReadOptions): Promise<CsvTable> {
  const input = createReadStream(path);
  const parser = parse({ bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let layout: CsvLayout | undefined;
  let rows: RowBuffer | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<ParsedRecord>) {
      if (layout === undefined) {
        layout = resolveLayout(record, options, path, info.lines);
        rows = new RowBuffer(layout.columns - 1);
        if (layout.names !== undefined) {
          continue;
        }
      }
      appendRow(rows!, record, layout, path, info.lines);
    }
  } catch (error) {
    throw toCsvError(error, path);
  } finally {
    input.destroy();
  }

  if (layout === undefined || rows === undefined || rows.count === 0) {
    throw new DataError(
      'CSV file contains no data rows. Add rows of numbers, one example per line, with the label column ' +
        'containing class ids 0..K-1.',
      { file: path },
    );
  }

  const featureNames = layout.names?.filter((_, column) => column !== layout!.labelIndex);
  return { ...rows.finish(), features: layout.columns - 1, featureNames, labelIndex: layout.labelIndex };
}

/** Returns whether `cell` is a plain decimal number such as `3`, `-0.5` or `1e-3`. */
export function isDecimalNumber(cell: string): boolean {
  return DECIMAL_NUMBER.test(cell);
}

function resolveLayout(
  first: string[],
  options: CsvReadOptions,
  path: string,
  line: number,
): CsvLayout {
  const { labelColumn, header: headerOption } = options;
  const setting = options.labelColumnSetting ?? '/data/labelColumn';
  const hasHeader = headerOption === 'auto' ? !first.every(isDecimalNumber) : headerOption;
  const columns = first.length;
  if (columns < 2) {
    throw new DataError(
      `the first row has ${countOf(columns, 'column')}, expected at least 2 (a label column and one or more feature columns). ` +
        'Check that the file is comma-separated.',
      { file: path, line },
    );
  }
  const names = hasHeader ? first : undefined;

  if (typeof labelColumn === 'number') {
    if (!Number.isInteger(labelColumn) || labelColumn < 0 || labelColumn >= columns) {
      throw new DataError(
        `labelColumn ${labelColumn} is out of range: the file has ${columns} columns, so a 0-based index ` +
          `must be 0..${columns - 1}. Set data.labelColumn to the index of the label column or to its header name.`,
        { file: path, setting },
      );
    }
    return { columns, labelIndex: labelColumn, names };
  }

  if (names === undefined) {
    const reason =
      headerOption === 'auto'
        ? ' (with header "auto", a first row whose cells are all numbers is data)'
        : ' (data.header is false)';
    throw new DataError(
      `labelColumn "${labelColumn}" is a column name, but the file has no header row${reason}. ` +
        'Add a header row, or set data.labelColumn to the 0-based index of the label column.',
      { file: path, line, setting },
    );
  }

  const matches = names.flatMap((name, column) => (name === labelColumn ? [column] : []));
  if (matches.length === 0) {
    throw new DataError(
      `labelColumn "${labelColumn}" not found in the header row. The columns are ${formatNames(names)}. ` +
        'Set data.labelColumn to one of these names or to a 0-based index.',
      { file: path, line, setting },
    );
  }
  if (matches.length > 1) {
    throw new DataError(
      `labelColumn "${labelColumn}" is ambiguous: the header row has it in columns ` +
        `${matches.map((column) => column + 1).join(' and ')}. Rename one of them or set data.labelColumn ` +
        'to a 0-based index.',
      { file: path, line, setting },
    );
  }
  return { columns, labelIndex: matches[0], names };
}

function appendRow(rows: RowBuffer, record: string[], layout: CsvLayout, path: string, line: number): void {
  if (record.length !== layout.columns) {
    const problem =
      record.length < layout.columns
        ? `column ${record.length + 1}${columnName(layout, record.length)} is missing`
        : `column ${layout.columns + 1} has the extra value "${record[layout.columns]}"`;
    throw new DataError(
      `row has ${countOf(record.length, 'column')}, expected ${layout.columns} like the first row, so ${problem}. ` +
        'Fix the row so that every row has the same columns.',
      { file: path, line },
    );
  }

  const features = rows.startRow();
  let feature = 0;
  for (let column = 0; column < record.length; column++) {
    const cell = record[column];
    if (column === layout.labelIndex) {
      rows.setLabel(parseLabel(cell, layout, path, line));
      continue;
    }
    if (!isDecimalNumber(cell)) {
      throw new DataError(
        `column ${column + 1}${columnName(layout, column)} has the value "${cell}", expected a decimal number. ` +
          'Every column except the label column must contain numbers: fix the value or remove the row.',
        { file: path, line },
      );
    }
    features[feature] = Number(cell);
    feature++;
  }
}

function parseLabel(cell: string, layout: CsvLayout, path: string, line: number): number {
  const label = isDecimalNumber(cell) ? Number(cell) : Number.NaN;
  if (!Number.isInteger(label) || label < 0 || label > MAX_LABEL) {
    const column = layout.labelIndex;
    throw new DataError(
      `label "${cell}" in column ${column + 1}${columnName(layout, column)} is not a class id: expected an ` +
        `integer 0..K-1 (at most ${MAX_LABEL}). Write class names as ids 0, 1, 2, ... and check that ` +
        'data.labelColumn points at the label column.',
      { file: path, line },
    );
  }
  return label;
}

function columnName(layout: CsvLayout, column: number): string {
  const name = layout.names?.[column];
  return name === undefined ? '' : ` ("${name}")`;
}

function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function formatNames(names: string[]): string {
  const firstNames = names.slice(0, 20).map((name) => `"${name}"`);
  return names.length > firstNames.length ? `${firstNames.join(', ')}, ... (${names.length} in all)` : firstNames.join(', ');
}

function toCsvError(error: unknown, path: string): unknown {
  if (error instanceof DataError) {
    return error;
  }
  if (error instanceof CsvError) {
    const line = (error as CsvError & { lines?: number }).lines;
    return new DataError(`invalid CSV: ${error.message}. Fix the quoting on that line.`, { file: path, line });
  }
  return toFileError(error, path, 'CSV file');
}

/** Growable row-major storage of features and labels; capacity doubles when full. */
class RowBuffer {
  count = 0;
  private x: Float32Array;
  private y: Int32Array;

  constructor(private readonly features: number) {
    this.x = new Float32Array(1024 * features);
    this.y = new Int32Array(1024);
  }

  /** Adds a row and returns the view its features are written into. */
  startRow(): Float32Array {
    if (this.count === this.y.length) {
      this.grow();
    }
    const start = this.count * this.features;
    this.count++;
    return this.x.subarray(start, start + this.features);
  }

  setLabel(label: number): void {
    this.y[this.count - 1] = label;
  }

  /** Returns copies trimmed to the rows added. */
  finish(): { x: Float32Array; y: Int32Array; count: number } {
    return { x: this.x.slice(0, this.count * this.features), y: this.y.slice(0, this.count), count: this.count };
  }

  private grow(): void {
    const x = new Float32Array(this.x.length * 2);
    x.set(this.x);
    this.x = x;
    const y = new Int32Array(this.y.length * 2);
    y.set(this.y);
    this.y = y;
  }
}
