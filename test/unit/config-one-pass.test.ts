// Every config check that needs no data runs in one pass: schema errors, semantic checks and
// missing files are listed together, and a check whose inputs are invalid stays silent.

import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { checkConfigText, loadConfigFile, parseConfig } from '../../src/config/parse';
import { formatProblem, type ConfigProblem } from '../../src/config/problems';

const fixtures = resolve(__dirname, '..', 'fixtures', 'configs');
const configPath = join(fixtures, 'quick.distill.json');

function describe(problems: readonly ConfigProblem[]): string {
  return problems.map((problem) => formatProblem(problem, configPath)).join('\n');
}

function problemAt(problems: readonly ConfigProblem[], path: string): ConfigProblem {
  const problem = problems.find((candidate) => candidate.path === path);
  assert.ok(problem !== undefined, `no problem at ${path} in:\n${describe(problems)}`);
  return problem;
}

test('fixture lists every error at once', () => {
  const { config, problems } = loadConfigFile(join(fixtures, 'many-errors.distill.json'));

  assert.equal(config, undefined);
  assert.deepEqual(
    problems.map((problem) => `${problem.path} ${problem.line}:${problem.column}`),
    [
      '/seed 5:11',
      '/backend 6:14',
      '/data/normalisation 7:74',
      '/teacher/load 8:24',
      '/student/model/hidden/1 10:47',
      '/student/model/dropout 10:64',
      '/student/train/epochs 11:26',
      '/student/train/optimizer 11:42',
      '/student/train/learningRate 11:67',
      '/transfer/examples 14:29',
      '/transfer/omitClasses/1 14:56',
    ],
  );
  assert.ok(problems.every((problem) => problem.severity === 'error'));
});

test('missing files listed with schema errors', () => {
  const text = JSON.stringify({
    seed: 'one',
    data: { source: 'csv', train: 'data/missing-train.csv', test: 'data/test.csv', labelColumn: 0 },
    transfer: {
      source: {
        source: 'idx',
        train: { images: 'data/none.idx3', labels: 'data/test-labels.idx1.gz' },
        // Only the training files of a transfer source are read, so a missing test file is no error.
        test: { images: 'data/none.idx3', labels: 'data/none.idx1' },
      },
    },
  });
  const { config, problems } = checkConfigText(text, configPath);

  assert.equal(config, undefined);
  assert.deepEqual(
    problems.map((problem) => problem.path),
    ['/seed', '/data/train', '/transfer/source/train/images'],
  );
  assert.match(problemAt(problems, '/data/train').message, /file not found: .*missing-train\.csv/);
});

test('parseConfig leaves files unchecked', () => {
  const text = JSON.stringify({ data: { source: 'csv', train: 'data/missing-train.csv', test: 'data/test.csv', labelColumn: 0 } });

  assert.deepEqual(parseConfig(text, configPath).problems, []);
  assert.equal(checkConfigText(text, configPath).problems.length, 1);
});

test('file check skips a path with a problem', () => {
  const text = '{ "teacher": { "load": "a/model.json", "load": "b/model.json" } }';
  const { problems } = checkConfigText(text, configPath);

  assert.equal(problems.length, 1, describe(problems));
  assert.match(problems[0].message, /written twice/);
});

test('file check skips an invalid source', () => {
  const text = JSON.stringify({ data: { source: 'cvs', train: 'data/missing-train.csv', test: 'data/test.csv' } });
  const { problems } = checkConfigText(text, configPath);

  assert.deepEqual(problems.map((problem) => problem.path), ['/data/source'], describe(problems));
});

test('transfer examples above training split', () => {
  const text = [
    '{',
    '  "seed": "one",',
    '  "data": { "trainExamples": 2000, "validation": 500 },',
    '  "transfer": { "examples": 100000 }',
    '}',
  ].join('\n');
  const { problems } = checkConfigText(text, configPath);
  const problem = problemAt(problems, '/transfer/examples');

  assert.equal(problems.length, 2, describe(problems));
  assert.equal(problem.severity, 'error');
  assert.equal(problem.line, 4);
  assert.equal(problem.column, 29);
  assert.match(problem.message, /^\/transfer\/examples: 100000 transfer examples are requested, but only 1500 training examples remain/);
  assert.match(problem.message, /at most 1500/);
});

test('transfer examples against MNIST defaults', () => {
  const { problems } = parseConfig('{ "transfer": { "examples": 56000 } }', configPath);

  assert.match(problemAt(problems, '/transfer/examples').message, /only 55000 training examples remain: MNIST has 60000/);
  assert.deepEqual(parseConfig('{ "transfer": { "examples": 55000 } }', configPath).problems, []);
});

test('transfer examples skipped on invalid split', () => {
  const text = JSON.stringify({ data: { trainExamples: 2000, validation: 3000 }, transfer: { examples: 100000 } });
  const { problems } = parseConfig(text, configPath);

  assert.deepEqual(problems.map((problem) => problem.path), ['/data/validation'], describe(problems));
});

test('transfer examples skipped for file sources', () => {
  const text = JSON.stringify({
    data: { source: 'csv', train: 'data/train.csv', test: 'data/test.csv', labelColumn: 0 },
    transfer: { examples: 100000 },
  });

  assert.deepEqual(parseConfig(text, configPath).problems, []);
});

test('transfer examples bounded by MNIST source', () => {
  const fromMnist = (examples: number) =>
    parseConfig(JSON.stringify({ data: { trainExamples: 2000, validation: 500 }, transfer: { examples, source: { source: 'mnist' } } }), configPath)
      .problems;

  assert.deepEqual(fromMnist(3000), []);
  assert.match(problemAt(fromMnist(60001), '/transfer/examples').message, /only 60000 training examples remain/);
});

test('MNIST example limits', () => {
  const { problems } = parseConfig('{ "data": { "trainExamples": 70000, "testExamples": 20000 } }', configPath);

  assert.deepEqual(problems.map((problem) => problem.path), ['/data/trainExamples', '/data/testExamples'], describe(problems));
  assert.match(problemAt(problems, '/data/trainExamples').message, /MNIST has 60000 training examples/);
  assert.match(problemAt(problems, '/data/testExamples').message, /at most 10000/);
  assert.deepEqual(parseConfig('{ "data": { "trainExamples": 60000, "testExamples": 10000, "validation": 0 } }', configPath).problems, []);
});

test('GPU backends get no cpu suggestion', () => {
  for (const backend of ['gpu', 'GPU', 'cuda', 'webgl', 'webgpu', 'tfjs-node-gpu', 'metal']) {
    const { problems } = parseConfig(JSON.stringify({ backend }), configPath);
    const problem = problemAt(problems, '/backend');

    assert.doesNotMatch(problem.message, /Did you mean/, backend);
    assert.match(problem.message, /Training on a GPU is not supported/, backend);
    assert.match(problem.message, /@tensorflow\/tfjs-node is installed/, backend);
  }
});

test('backend typo keeps its suggestion', () => {
  const { problems } = parseConfig('{ "backend": "wasn" }', configPath);

  assert.match(problemAt(problems, '/backend').message, /Did you mean "wasm"\?$/);
});
