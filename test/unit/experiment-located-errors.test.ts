// Data errors about a config field reach the CLI and VS Code as located config problems: the
// field's JSON pointer, line and column, as parse errors have.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

import { ConfigError } from '../../src/config/problems';
import { DataError } from '../../src/engine/data/errors';
import { runExperiment } from '../../src/engine/experiment';
import { locateDataError, toRejection } from '../../src/engine/inputErrors';

const configText = ['{', '  "data": { "validation": 0 },', '  "transfer": { "examples": 900, "omitClasses": [1, 5] }', '}'].join('\n');

test('located data error becomes config problem', () => {
  const error = new DataError('transfer.omitClasses contains 5, but the data have classes 0..1.', { setting: '/transfer/omitClasses/1' });
  const located = locateDataError(error, configText, '/work/distill.json');

  assert.ok(located instanceof ConfigError, String(located));
  assert.equal(located.problems.length, 1);
  const [problem] = located.problems;
  assert.equal(problem.path, '/transfer/omitClasses/1');
  assert.equal(problem.severity, 'error');
  assert.equal(problem.line, 3);
  assert.equal(problem.column, 53);
  assert.equal(problem.endColumn, 54);
  assert.equal(problem.message, 'transfer.omitClasses contains 5, but the data have classes 0..1.');
  assert.equal(located.message, `/work/distill.json:3:53: error: ${problem.message}`);
});

test('message without its field gets the path', () => {
  const error = new DataError('the data have 2 classes, fewer than the 5 this class index needs.', { setting: '/transfer/omitClasses/1' });
  const located = locateDataError(error, configText, '/work/distill.json');

  assert.ok(located instanceof ConfigError, String(located));
  assert.equal(located.problems[0].message, '/transfer/omitClasses/1: the data have 2 classes, fewer than the 5 this class index needs.');
});

test('located data error rejected as config', () => {
  const error = new DataError('transfer.examples is 900, but only 12 training examples remain.', { setting: '/transfer/examples' });
  const rejection = toRejection(locateDataError(error, configText, '/work/distill.json'));

  assert.equal(rejection?.kind, 'config');
  assert.equal(rejection?.problems.length, 1);
  assert.deepEqual(
    { path: rejection?.problems[0].path, line: rejection?.problems[0].line, column: rejection?.problems[0].column },
    { path: '/transfer/examples', line: 3, column: 29 },
  );
});

test('unlocated errors pass through', () => {
  const fileError = new DataError('invalid CSV.', { file: '/work/train.csv', line: 4 });
  const other = new Error('internal');

  assert.equal(locateDataError(fileError, configText, '/work/distill.json'), fileError);
  assert.equal(locateDataError(other, configText, '/work/distill.json'), other);
});

test('unwritten setting points at its parent', () => {
  const error = new DataError('data.validation is 5000, but the training split has only 12 examples.', { setting: '/data/validation' });
  const located = locateDataError(error, '{\n  "data": { "source": "mnist" }\n}', '/work/distill.json');

  assert.ok(located instanceof ConfigError);
  assert.equal(located.problems[0].line, 2);
  assert.equal(located.problems[0].column, 3);
});

function writeCsvExperiment(text: string): { configPath: string; runsDir: string } {
  const folder = mkdtempSync(path.join(tmpdir(), 'distill-located-'));
  writeFileSync(path.join(folder, 'train.csv'), 'label,a,b\n0,1,2\n1,3,4\n0,5,6\n1,7,8\n0,2,1\n1,4,3\n');
  writeFileSync(path.join(folder, 'test.csv'), 'label,a,b\n0,1,2\n1,3,4\n');
  const configPath = path.join(folder, 'distill.json');
  writeFileSync(configPath, text);
  return { configPath, runsDir: path.join(folder, '.distill', 'runs') };
}

async function rejectionOf(configPath: string, runsDir: string, text: string): Promise<ConfigError> {
  const error = await runExperiment(
    { type: 'run/start', configText: text, configPath, runsDir },
    { emit: () => undefined, shouldStop: () => false },
    () => undefined,
  ).then(
    () => undefined,
    (rejected: unknown) => rejected,
  );
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  assert.ok(!existsSync(runsDir), 'no run folder');
  return error;
}

const csvData = '"data": { "source": "csv", "train": "train.csv", "test": "test.csv", "labelColumn": "label", "validation": 1 }';

test('run locates omitted class beyond data', async () => {
  const text = ['{', '  "backend": "cpu",', `  ${csvData},`, '  "transfer": { "omitClasses": [0, 3] }', '}'].join('\n');
  const { configPath, runsDir } = writeCsvExperiment(text);
  const error = await rejectionOf(configPath, runsDir, text);

  assert.equal(error.problems.length, 1);
  const [problem] = error.problems;
  assert.equal(problem.path, '/transfer/omitClasses/1');
  assert.equal(problem.line, 4);
  assert.equal(problem.column, 36);
  assert.match(problem.message, /contains 3, but the data have classes 0\.\.1/);
});

test('run locates oversized transfer set', async () => {
  // 6 rows minus 1 validation example leave 5, and omitting class 0 leaves 2 of them.
  const text = ['{', '  "backend": "cpu",', `  ${csvData},`, '  "transfer": { "examples": 4, "omitClasses": [0] }', '}'].join('\n');
  const { configPath, runsDir } = writeCsvExperiment(text);
  const error = await rejectionOf(configPath, runsDir, text);

  const [problem] = error.problems;
  assert.equal(problem.path, '/transfer/examples');
  assert.equal(problem.line, 4);
  assert.equal(problem.column, 29);
  assert.match(problem.message, /transfer\.examples is 4, but only 2 training examples remain after omitting classes 0/);
  assert.match(error.message, /distill\.json:4:29: error: transfer\.examples is 4, /);
});
