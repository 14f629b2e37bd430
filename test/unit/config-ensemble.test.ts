// Config parsing of ensemble teachers, transfer.source and transfer.adjustBias.

import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { TEACHER_MLP_DEFAULTS, TRAIN_DEFAULTS } from '../../src/config/defaults';
import { checkConfigFiles, parseConfig } from '../../src/config/parse';
import { formatProblem, type ConfigProblem } from '../../src/config/problems';

const fixtures = resolve(__dirname, '..', 'fixtures', 'configs');
const configPath = '/experiments/ens.distill.json';

function onlyProblem(text: string, severity: 'error' | 'warning' = 'error'): ConfigProblem {
  const { config, problems } = parseConfig(text, configPath);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => formatProblem(p, configPath)).join('\n')}`);
  assert.equal(problems[0].severity, severity);
  assert.equal(config === undefined, severity === 'error');
  return problems[0];
}

function assertAt(problem: ConfigProblem, path: string, line: number, column: number): void {
  assert.equal(problem.path, path);
  assert.equal(problem.line, line, `line of: ${problem.message}`);
  assert.equal(problem.column, column, `column of: ${problem.message}`);
}

test('ensemble members get defaults', () => {
  const text = `{
  "seed": 3,
  "teacher": {
    "ensemble": [
      { "model": { "hidden": [64] }, "train": { "epochs": 2 }, "seed": 7, "name": "a" },
      { "load": "teachers/b/model.json" },
      {}
    ]
  }
}`;
  const { config, problems } = parseConfig(text, configPath);
  assert.deepEqual(problems, []);
  assert.ok(config);
  const teacher = config.teacher;
  assert.equal(teacher.kind, 'ensemble');
  assert.ok(teacher.kind === 'ensemble');

  assert.equal(teacher.combine, 'arithmetic');
  assert.equal(teacher.members.length, 3);
  const [first, second, third] = teacher.members;
  assert.deepEqual(first, {
    kind: 'train',
    name: 'a',
    seed: 7,
    model: { ...TEACHER_MLP_DEFAULTS, hidden: [64] },
    train: { ...TRAIN_DEFAULTS, epochs: 2 },
    augment: { jitter: 0 },
  });
  assert.deepEqual(second, { kind: 'load', name: 'member-2', load: '/experiments/teachers/b/model.json' });
  assert.equal(third.kind, 'train');
  assert.equal(third.name, 'member-3');
  // Default seed: config seed × 100 + 0-based position.
  assert.ok(third.kind === 'train');
  assert.equal(third.seed, 302);
  assert.deepEqual(third.model, TEACHER_MLP_DEFAULTS);
});

test('geometric combine kept', () => {
  const { config } = parseConfig('{ "teacher": { "ensemble": [{}, {}], "combine": "geometric" } }', configPath);

  assert.ok(config?.teacher.kind === 'ensemble');
  assert.equal(config.teacher.combine, 'geometric');
});

test('empty ensemble is an error', () => {
  const problem = onlyProblem('{\n  "teacher": { "ensemble": [] }\n}');

  assertAt(problem, '/teacher/ensemble', 2, 28);
  assert.match(problem.message, /expected a non-empty list of objects, found an empty list/);
});

test('one member is a warning', () => {
  const problem = onlyProblem('{ "teacher": { "ensemble": [{}] } }', 'warning');

  assertAt(problem, '/teacher/ensemble', 1, 28);
  assert.match(problem.message, /an ensemble of one member teaches exactly what that member alone would/);
});

test('duplicate member names', () => {
  const text = `{
  "teacher": {
    "ensemble": [
      { "name": "wide" },
      { "name": "wide" }
    ]
  }
}`;
  const problem = onlyProblem(text);

  assertAt(problem, '/teacher/ensemble/1/name', 5, 17);
  assert.match(problem.message, /members 0 and 1 are both named "wide"/);
});

test('member name with a slash', () => {
  const problem = onlyProblem('{ "teacher": { "ensemble": [{ "name": "wide/1" }, {}] } }');

  assertAt(problem, '/teacher/ensemble/0/name', 1, 39);
  assert.match(problem.message, /may contain only letters, digits, "\.", "_" and "-"\. Rename it, e\.g\. "name": "wide-1"\./);
});

test('explicit name clashing with a default', () => {
  const problem = onlyProblem('{ "teacher": { "ensemble": [{ "name": "member-2" }, {}] } }');

  assertAt(problem, '/teacher/ensemble/1', 1, 53);
  assert.match(problem.message, /both named "member-2" \(its default name\)/);
});

test('ensemble mixed with model', () => {
  const text = `{
  "teacher": {
    "ensemble": [{}, {}],
    "model": { "hidden": [64] }
  }
}`;
  const problem = onlyProblem(text);

  assert.equal(problem.path, '/teacher/model');
  assert.equal(problem.line, 4);
  assert.match(problem.message, /ensemble teacher is made of its members/);
});

test('ensemble mixed with load', () => {
  const problem = onlyProblem('{ "teacher": { "ensemble": [{}, {}], "load": "a/model.json" } }');

  assert.equal(problem.path, '/teacher/load');
  assert.match(problem.message, /ensemble teacher is made of its members/);
});

test('loaded member takes no seed', () => {
  const problem = onlyProblem('{ "teacher": { "ensemble": [{ "load": "a.json", "seed": 3 }, {}] } }');

  assert.equal(problem.path, '/teacher/ensemble/0/seed');
  assert.match(problem.message, /loaded member is used as saved/);
});

test('misspelt member field', () => {
  const problem = onlyProblem('{ "teacher": { "ensemble": [{ "sead": 3 }, {}] } }');

  assert.equal(problem.path, '/teacher/ensemble/0/sead');
  assert.match(problem.message, /Did you mean "seed"\?/);
});

test('combine without ensemble', () => {
  const problem = onlyProblem('{ "teacher": { "combine": "geometric" } }');

  assertAt(problem, '/teacher/combine', 1, 27);
  assert.match(problem.message, /this teacher has no "ensemble"/);
});

test('missing member file located', () => {
  const filePath = join(fixtures, 'inline.distill.json');
  const text = `{
  "teacher": {
    "ensemble": [
      {},
      { "load": "teachers/missing/model.json", "name": "b" }
    ]
  }
}`;
  const config = parseConfig(text, filePath).config;
  assert.ok(config);

  const problems = checkConfigFiles(config, text, filePath);

  assert.equal(problems.length, 1);
  assertAt(problems[0], '/teacher/ensemble/1/load', 5, 17);
  assert.ok(problems[0].message.includes(`file not found: ${join(fixtures, 'teachers', 'missing', 'model.json')}.`), problems[0].message);
});

test('member cnn on csv needs a shape', () => {
  const text = `{
  "data": { "source": "csv", "train": "a.csv", "test": "b.csv" },
  "teacher": { "ensemble": [{}, { "model": { "type": "cnn", "layers": [{ "type": "maxPool" }] } }] }
}`;
  const problem = onlyProblem(text);

  assert.equal(problem.path, '/teacher/ensemble/1/model/type');
  assert.match(problem.message, /needs image-shaped data/);
});

test('adjustBias true uses the default range', () => {
  const { config, problems } = parseConfig('{ "transfer": { "omitClasses": [3], "adjustBias": true } }', configPath);

  assert.deepEqual(problems, []);
  assert.deepEqual(config?.transfer.adjustBias, { enabled: true, min: 0, max: 8, step: 0.25 });
});

test('adjustBias object sets the range', () => {
  const { config } = parseConfig('{ "transfer": { "omitClasses": [3], "adjustBias": { "max": 4, "step": 0.5 } } }', configPath);

  assert.deepEqual(config?.transfer.adjustBias, { enabled: true, min: 0, max: 4, step: 0.5 });
});

test('adjustBias false stays off', () => {
  const { config } = parseConfig('{ "transfer": { "omitClasses": [3], "adjustBias": false } }', configPath);

  assert.equal(config?.transfer.adjustBias.enabled, false);
});

test('adjustBias min above max', () => {
  const problem = onlyProblem('{ "transfer": { "omitClasses": [3], "adjustBias": { "min": 5, "max": 2 } } }');

  assertAt(problem, '/transfer/adjustBias/max', 1, 70);
  assert.match(problem.message, /min \(5\) is above max \(2\)/);
});

test('adjustBias step must be positive', () => {
  const problem = onlyProblem('{ "transfer": { "omitClasses": [3], "adjustBias": { "step": 0 } } }');

  assert.equal(problem.path, '/transfer/adjustBias/step');
  assert.match(problem.message, /expected a number > 0, found 0/);
});

test('adjustBias without omitted classes warns', () => {
  const problem = onlyProblem('{ "transfer": { "adjustBias": true } }', 'warning');

  assertAt(problem, '/transfer/adjustBias', 1, 31);
  assert.match(problem.message, /"omitClasses" is empty, so the search is skipped/);
});

test('adjustBias needs validation examples', () => {
  const problem = onlyProblem('{ "data": { "validation": 0 }, "transfer": { "omitClasses": [3], "adjustBias": true } }');

  assertAt(problem, '/data/validation', 1, 27);
  assert.match(problem.message, /picks its offsets on the validation examples/);
});

test('transfer source resolves paths', () => {
  const text = '{ "transfer": { "source": { "source": "csv", "train": "extra/transfer.csv", "test": "extra/test.csv" } } }';
  const { config, problems } = parseConfig(text, configPath);

  assert.deepEqual(problems, []);
  assert.deepEqual(config?.transfer.source, {
    source: 'csv',
    train: '/experiments/extra/transfer.csv',
    test: '/experiments/extra/test.csv',
    labelColumn: 0,
    header: 'auto',
  });
});

test('transfer source rejects data-only fields', () => {
  const problem = onlyProblem('{ "transfer": { "source": { "source": "mnist", "normalization": "unit" } } }');

  assert.equal(problem.path, '/transfer/source/normalization');
});

test('transfer source file missing', () => {
  const filePath = join(fixtures, 'inline.distill.json');
  const text = '{\n  "transfer": { "source": { "source": "csv", "train": "data/nope.csv", "test": "data/test.csv" } }\n}';
  const config = parseConfig(text, filePath).config;
  assert.ok(config);

  const problems = checkConfigFiles(config, text, filePath);

  assert.equal(problems.length, 1);
  assert.equal(problems[0].path, '/transfer/source/train');
  assert.equal(problems[0].line, 2);
});
