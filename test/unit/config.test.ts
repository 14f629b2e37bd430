import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

import { defaultConfigName } from '../../src/config/defaults';
import { checkConfigFiles, loadConfigFile, parseConfig } from '../../src/config/parse';
import { ConfigError, formatProblem, positionAt, type ConfigProblem } from '../../src/config/problems';
import {
  discriminatorOf,
  distillSchema,
  isSchemaObject,
  resolveRef,
  type SchemaNode,
  type SchemaObject,
} from '../../src/config/schema';
import type { DistillConfig } from '../../src/config/types';

const repositoryRoot = resolve(__dirname, '..', '..');
const fixtures = join(repositoryRoot, 'test', 'fixtures', 'configs');
const configPath = '/experiments/quick.distill.json';

/** Parses `text` and returns its only problem, which must be an error that blocks the config. */
function onlyError(text: string, filePath = configPath): ConfigProblem {
  const { config, problems } = parseConfig(text, filePath);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => formatProblem(p, filePath)).join('\n')}`);
  assert.equal(problems[0].severity, 'error');
  assert.equal(config, undefined);
  return problems[0];
}

function assertAt(problem: ConfigProblem, path: string, line: number, column: number): void {
  assert.equal(problem.path, path);
  assert.equal(problem.line, line, `line of: ${problem.message}`);
  assert.equal(problem.column, column, `column of: ${problem.message}`);
}

/** The resolved config of `{}` at configPath, written out in full. */
const EXPECTED_DEFAULTS: DistillConfig = {
  name: 'quick',
  seed: 1,
  backend: 'auto',
  threads: 0,
  data: { source: 'mnist', validation: 5000, normalization: 'unit' },
  teacher: {
    kind: 'train',
    model: { type: 'mlp', hidden: [1200, 1200], activation: 'relu', dropout: 0.5, inputDropout: 0.2 },
    train: {
      epochs: 10,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 0.001,
      momentum: 0.9,
      schedule: { type: 'constant' },
    },
    augment: { jitter: 0 },
  },
  student: {
    model: { type: 'mlp', hidden: [800, 800], activation: 'relu', dropout: 0, inputDropout: 0 },
    train: {
      epochs: 10,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 0.001,
      momentum: 0.9,
      schedule: { type: 'constant' },
    },
    augment: { jitter: 0 },
  },
  distillation: {
    temperature: 20,
    softWeight: 0.9,
    hardWeight: 0.1,
    scaleByTemperatureSquared: true,
    loss: 'soft-cross-entropy',
  },
  baseline: true,
  transfer: { omitClasses: [], labels: true, adjustBias: { enabled: false, min: 0, max: 8, step: 0.25 } },
  evaluation: { storedLogits: 1000 },
};

test('empty object resolves to every default', () => {
  const { config, problems } = parseConfig('{}', configPath);

  assert.deepEqual(problems, []);
  assert.deepEqual(config, EXPECTED_DEFAULTS);
});

test('resolved configs share no arrays', () => {
  const first = parseConfig('{}', configPath).config;
  assert.ok(first);
  first.transfer.omitClasses.push(3);
  if (first.teacher.kind === 'train' && first.teacher.model.type === 'mlp') {
    first.teacher.model.hidden.push(10);
  }
  if (first.student.model.type === 'mlp') {
    first.student.model.hidden.push(10);
  }
  assert.notDeepEqual(first, EXPECTED_DEFAULTS);

  const second = parseConfig('{}', configPath).config;

  assert.deepEqual(second, EXPECTED_DEFAULTS);
});

test('default name from file path', () => {
  assert.equal(defaultConfigName('/work/hinton.distill.json'), 'hinton');
  assert.equal(defaultConfigName('/work/hinton.json'), 'hinton');
  assert.equal(defaultConfigName('/work/mnist-quick/distill.json'), 'mnist-quick');
  assert.equal(parseConfig('{ "name": "given" }', configPath).config?.name, 'given');
});

test('comments and trailing commas accepted', () => {
  const filePath = join(fixtures, 'commented.distill.json');
  const { config, problems } = parseConfig(readFileSync(filePath, 'utf8'), filePath);

  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.equal(config.name, 'commented');
  assert.equal(config.seed, 7);
  assert.deepEqual(config.data, { source: 'mnist', validation: 1000, normalization: 'unit' });
  assert.equal(config.distillation.temperature, 4);
  assert.equal(config.distillation.loss, 'kl');
  assert.deepEqual(config.transfer, { examples: 3000, omitClasses: [3], labels: true, adjustBias: { enabled: false, min: 0, max: 8, step: 0.25 } });
});

test('teacher keeps its own defaults', () => {
  const filePath = join(fixtures, 'commented.distill.json');
  const config = parseConfig(readFileSync(filePath, 'utf8'), filePath).config;
  assert.ok(config);

  assert.deepEqual(config.teacher, {
    kind: 'train',
    model: { type: 'mlp', hidden: [512, 512], activation: 'relu', dropout: 0.3, inputDropout: 0.2 },
    train: {
      epochs: 3,
      batchSize: 128,
      optimizer: 'adam',
      learningRate: 0.001,
      momentum: 0.9,
      schedule: { type: 'step', everyEpochs: 2, factor: 0.5 },
    },
    augment: { jitter: 0 },
  });
});

test('cnn layers get their defaults', () => {
  const filePath = join(fixtures, 'commented.distill.json');
  const config = parseConfig(readFileSync(filePath, 'utf8'), filePath).config;
  assert.ok(config);

  assert.deepEqual(config.student.model, {
    type: 'cnn',
    layers: [
      { type: 'conv', filters: 8, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { type: 'maxPool', poolSize: 2 },
      { type: 'dense', units: 32, activation: 'tanh' },
      { type: 'dropout', rate: 0.25 },
    ],
  });
  assert.deepEqual(config.student.augment, { jitter: 1 });
});

test('loaded teacher and data paths become absolute', () => {
  const text = `{
    "data": {
      "source": "idx",
      "train": { "images": "data/train-images", "labels": "data/train-labels" },
      "test": { "images": "/abs/test-images", "labels": "../test-labels" }
    },
    "teacher": { "load": "models/teacher/model.json" }
  }`;
  const { config, problems } = parseConfig(text, '/experiments/a/run.distill.json');

  assert.deepEqual(problems, []);
  assert.ok(config);
  assert.deepEqual(config.teacher, { kind: 'load', load: '/experiments/a/models/teacher/model.json' });
  assert.deepEqual(config.data, {
    source: 'idx',
    train: { images: '/experiments/a/data/train-images', labels: '/experiments/a/data/train-labels' },
    test: { images: '/abs/test-images', labels: '/experiments/test-labels' },
    validation: 5000,
    normalization: 'unit',
  });
});

test('csv data gets csv defaults', () => {
  const filePath = join(fixtures, 'csv.distill.json');
  const { config, problems } = parseConfig(readFileSync(filePath, 'utf8'), filePath);

  assert.deepEqual(problems, []);
  assert.deepEqual(config?.data, {
    source: 'csv',
    train: join(fixtures, 'data', 'train.csv'),
    test: join(fixtures, 'data', 'test.csv'),
    labelColumn: 'label',
    header: 'auto',
    validation: 5000,
    normalization: 'standard',
  });
});

test('wrong type gives one located error', () => {
  const text = `{
  "teacher": {
    "train": { "epochs": "ten" }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/teacher/train/epochs', 3, 26);
  assert.equal(problem.length, '"ten"'.length);
  assert.equal(
    problem.message,
    '/teacher/train/epochs: expected an integer >= 1, found "ten". Write a number, e.g. "epochs": 10.',
  );
});

test('quoted number suggests removing quotes', () => {
  const problem = onlyError('{ "seed": "3" }');

  assertAt(problem, '/seed', 1, 11);
  assert.match(problem.message, /Remove the quotes: "seed": 3\.$/);
});

test('unknown field suggests a close name', () => {
  const text = `{
  "student": {
    "model": { "hiden": [400] }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/student/model/hiden', 3, 16);
  assert.equal(problem.length, '"hiden"'.length);
  assert.equal(problem.message, '/student/model/hiden: unknown field "hiden". Did you mean "hidden"?');
});

test('unknown field without a close name lists allowed fields', () => {
  const problem = onlyError('{ "evaluation": { "plots": true } }');

  assertAt(problem, '/evaluation/plots', 1, 19);
  assert.match(problem.message, /unknown field "plots"\. The fields allowed here are "storedLogits"\./);
  assert.doesNotMatch(problem.message, /Did you mean/);
});

test('field written one level too high', () => {
  const problem = onlyError('{ "teacher": { "epochs": 3 } }');

  assertAt(problem, '/teacher/epochs', 1, 16);
  assert.match(problem.message, /It belongs inside "train": move it there\./);
});

test('field of another model type', () => {
  const text = `{
  "student": {
    "model": { "type": "cnn", "hidden": [10], "layers": [{ "type": "dense", "units": 10 }] }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/student/model/hidden', 3, 31);
  assert.match(problem.message, /"hidden" applies only when "type" is "mlp", but here "type" is "cnn"\./);
});

test('bad enum value suggests the closest', () => {
  const text = `{
  "distillation": {
    "temperature": 4,
    "loss": "kld"
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/distillation/loss', 4, 13);
  assert.equal(
    problem.message,
    '/distillation/loss: "kld" is not one of "soft-cross-entropy", "kl", "logit-mse". Did you mean "kl"?',
  );
});

test('bad enum value far from all', () => {
  const problem = onlyError('{ "backend": "turbo" }');

  assertAt(problem, '/backend', 1, 14);
  assert.equal(problem.message, '/backend: "turbo" is not one of "auto", "tensorflow", "wasm", "cpu".');
});

test('negative threads is located', () => {
  const problem = onlyError('{ "threads": -2 }');

  assertAt(problem, '/threads', 1, 14);
  assert.match(problem.message, /^\/threads: /);
  assert.match(problem.message, /0/);
});

test('fractional threads is located', () => {
  const problem = onlyError('{\n  "threads": 1.5\n}');

  assertAt(problem, '/threads', 2, 14);
  assert.match(problem.message, /integer/);
});

test('out-of-range number gives one error', () => {
  const text = `{
  "teacher": {
    "model": {
      "dropout": 1.5
    }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/teacher/model/dropout', 4, 18);
  assert.equal(
    problem.message,
    '/teacher/model/dropout: expected a number >= 0 and < 1, found 1.5. Change it to a value in that range, e.g. "dropout": 0.5.',
  );
});

test('json syntax error in plain words', () => {
  const text = `{
  "teacher": {
    "train": {
      "epochs": 10
      "batchSize": 64
    }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/teacher/train/batchSize', 5, 7);
  assert.equal(problem.message, 'invalid JSON: expected a comma before "batchSize". Add a comma after the previous value.');
});

test('syntax error cases', () => {
  const cases: { text: string; line: number; column: number; message: RegExp }[] = [
    { text: '{ "seed": 1', line: 1, column: 12, message: /the file ends before the closing \} of an object/ },
    { text: "{ 'seed': 1 }", line: 1, column: 3, message: /need double quotes\. Write "seed"\./ },
    { text: '{ seed: 1 }', line: 1, column: 3, message: /field names need double quotes\. Write "seed"\./ },
    { text: '{ "baseline": True }', line: 1, column: 15, message: /True is not a JSON value\. Did you mean true\?/ },
    { text: '{ "teacher": { "load": "C:\\models\\t.json" } }', line: 1, column: 24, message: /invalid escape/ },
    { text: '{ "seed": 1 }\n}', line: 2, column: 1, message: /after the end of the config object/ },
    { text: '// nothing yet\n', line: 1, column: 1, message: /the file contains no JSON value/ },
  ];
  for (const { text, line, column, message } of cases) {
    const problem = onlyError(text);
    assert.equal(problem.line, line, `line for ${JSON.stringify(text)}`);
    assert.equal(problem.column, column, `column for ${JSON.stringify(text)}`);
    assert.match(problem.message, message);
  }
});

test('load with model is one conflict', () => {
  const text = `{
  "teacher": {
    "load": "teacher/model.json",
    "model": { "type": "cnn", "hiden": [10] },
    "train": { "epochs": 2 }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/teacher/model', 4, 5);
  assert.match(problem.message, /^\/teacher\/model: "model" and "train" cannot be used together with "load"\./);
  assert.match(problem.message, /remove "load" to train the teacher/);
});

test('idx source without paths', () => {
  const text = `{
  "name": "idx",
  "data": { "source": "idx" }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/data', 3, 3);
  assert.match(problem.message, /^\/data: missing "train" and "test", which "source": "idx" requires\. Add them, e\.g\. "train": \{ "images": /);
});

test('idx paths need images and labels', () => {
  const text = `{
  "data": {
    "source": "idx",
    "train": { "images": "a", "labels": "b" },
    "test": { "images": "c" }
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/data/test', 5, 5);
  assert.match(problem.message, /^\/data\/test: missing "labels"\. Add it, e\.g\. "labels": /);
});

test('missing type picks the fitting branch', () => {
  const problem = onlyError('{ "student": { "train": { "schedule": { "everyEpochs": 2, "factor": 0.5 } } } }');

  assertAt(problem, '/student/train/schedule', 1, 27);
  assert.match(problem.message, /missing "type"\. Add it, e\.g\. "type": "step"\./);
});

test('weights summing to zero', () => {
  const text = `{
  "distillation": {
    "softWeight": 0,
    "hardWeight": 0
  }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/distillation/softWeight', 3, 19);
  assert.match(problem.message, /softWeight and hardWeight are both 0/);
});

test('soft targets off without labels', () => {
  const text = `{
  "distillation": { "softWeight": 0 },
  "transfer": { "labels": false }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/distillation/softWeight', 2, 35);
  assert.match(problem.message, /the distilled student learns nothing/);
});

test('duplicate omitted class', () => {
  const problem = onlyError('{ "transfer": { "omitClasses": [3, 5, 3] } }');

  assertAt(problem, '/transfer/omitClasses/2', 1, 39);
  assert.equal(problem.message, '/transfer/omitClasses/2: 3 is listed twice (items 0 and 2). Remove one of them.');
});

test('omitted class outside mnist', () => {
  const problem = onlyError('{ "transfer": { "omitClasses": [10] } }');

  assertAt(problem, '/transfer/omitClasses/0', 1, 33);
  assert.match(problem.message, /MNIST has classes 0 to 9/);
});

test('duplicate key is an error', () => {
  const text = `{
  "seed": 1,
  "seed": 2
}`;
  const problem = onlyError(text);

  assertAt(problem, '/seed', 3, 3);
  assert.match(problem.message, /written twice/);
});

test('validation larger than training examples', () => {
  const problem = onlyError('{ "data": { "trainExamples": 3000 } }');

  assertAt(problem, '/data/trainExamples', 1, 30);
  assert.match(problem.message, /the default 5000 validation examples are held out of these 3000/);
});

test('csv cnn needs a shape', () => {
  const text = `{
  "data": { "source": "csv", "train": "a.csv", "test": "b.csv" },
  "student": { "model": { "type": "cnn", "layers": [{ "type": "maxPool" }] } }
}`;
  const problem = onlyError(text);

  assertAt(problem, '/student/model/type', 3, 35);
  assert.match(problem.message, /needs image-shaped data/);
});

test('warnings do not block', () => {
  const text = `{
  "distillation": {
    "temperature": 1,
    "softWeight": 0.2,
    "hardWeight": 0.8
  }
}`;
  const { config, problems } = parseConfig(text, configPath);

  assert.ok(config);
  assert.deepEqual(
    problems.map((problem) => [problem.severity, problem.path, problem.line]),
    [
      ['warning', '/distillation/temperature', 3],
      ['warning', '/distillation/hardWeight', 5],
    ],
  );
  assert.match(problems[0].message, /leaves the teacher's outputs unsoftened/);
  assert.match(problems[1].message, /hardWeight \(0\.8\) is larger than softWeight \(0\.2\)/);
});

test('logit matching ignores temperature', () => {
  const { config, problems } = parseConfig('{ "distillation": { "temperature": 1, "loss": "logit-mse" } }', configPath);

  assert.ok(config);
  assert.deepEqual(problems, []);
});

test('one mistake per problem', () => {
  const text = `{
  "teacher": { "train": { "epochs": 0 } },
  "student": { "model": { "activation": "Relu" } },
  "distillation": { "temperature": -2 }
}`;
  const { config, problems } = parseConfig(text, configPath);

  assert.equal(config, undefined);
  assert.deepEqual(
    problems.map((problem) => [problem.path, problem.line]),
    [
      ['/teacher/train/epochs', 2],
      ['/student/model/activation', 3],
      ['/distillation/temperature', 4],
    ],
  );
  assert.match(problems[1].message, /Did you mean "relu"\?/);
});

test('missing data file located at its path', () => {
  const filePath = join(fixtures, 'inline.distill.json');
  const text = `{
  "data": {
    "source": "csv",
    "train": "data/train.csv",
    "test": "data/missing.csv"
  }
}`;
  const { config, problems } = parseConfig(text, filePath);
  assert.deepEqual(problems, []);
  assert.ok(config);

  const fileProblems = checkConfigFiles(config, text, filePath);

  assert.equal(fileProblems.length, 1);
  const [problem] = fileProblems;
  assert.equal(problem.severity, 'error');
  assertAt(problem, '/data/test', 5, 13);
  assert.ok(problem.message.includes(`file not found: ${join(fixtures, 'data', 'missing.csv')}.`), problem.message);
  assert.ok(problem.message.includes(`against the config's folder, ${fixtures}.`), problem.message);
});

test('missing file hints at gz twin', () => {
  const filePath = join(fixtures, 'inline.distill.json');
  const text = `{
  "data": {
    "source": "idx",
    "train": { "images": "data/train.csv", "labels": "data/train.csv" },
    "test": { "images": "data/test.csv", "labels": "data/test-labels.idx1" }
  }
}`;
  const config = parseConfig(text, filePath).config;
  assert.ok(config);

  const problems = checkConfigFiles(config, text, filePath);

  assert.equal(problems.length, 1);
  assert.equal(problems[0].path, '/data/test/labels');
  assert.match(problems[0].message, /test-labels\.idx1\.gz exists: did you mean that file\?/);
});

test('folder given as a file', () => {
  const filePath = join(fixtures, 'inline.distill.json');
  const text = '{ "teacher": { "load": "data" } }';
  const config = parseConfig(text, filePath).config;
  assert.ok(config);

  const problems = checkConfigFiles(config, text, filePath);

  assert.equal(problems.length, 1);
  assertAt(problems[0], '/teacher/load', 1, 24);
  assert.match(problems[0].message, /is a folder, not a file/);
});

test('load config file with existing data', () => {
  const loaded = loadConfigFile(join(fixtures, 'csv.distill.json'));

  assert.deepEqual(loaded.problems, []);
  assert.equal(loaded.config?.name, 'csv');
});

test('problem format and ConfigError', () => {
  const problem = onlyError('{\n  "seed": "one"\n}');
  assert.equal(
    formatProblem(problem, 'exp.distill.json'),
    'exp.distill.json:2:11: error: /seed: expected an integer, found "one". Write a number, e.g. "seed": 1.',
  );

  const error = new ConfigError('exp.distill.json', [problem, problem]);
  assert.equal(error.name, 'ConfigError');
  assert.equal(error.problems.length, 2);
  assert.equal(error.message, [formatProblem(problem, 'exp.distill.json'), formatProblem(problem, 'exp.distill.json')].join('\n'));
});

test('end position and line breaks', () => {
  const text = '{\r\n  "seed": "one"\r\n}';
  const problem = onlyError(text);

  assert.deepEqual(
    [problem.line, problem.column, problem.endLine, problem.endColumn],
    [2, 11, 2, 16],
  );
  assert.deepEqual(positionAt('a\rb\nc', 4), { line: 3, column: 1 });
});

test('example configs have no errors', (t) => {
  const examplesFolder = join(repositoryRoot, 'examples');
  const configFiles = existsSync(examplesFolder)
    ? readdirSync(examplesFolder)
        .map((name) => join(examplesFolder, name, 'distill.json'))
        .filter((path) => existsSync(path))
    : [];
  if (configFiles.length === 0) {
    t.skip('no examples/*/distill.json yet');
    return;
  }

  for (const filePath of configFiles) {
    const { config, problems } = parseConfig(readFileSync(filePath, 'utf8'), filePath);
    const errors = problems.filter((problem) => problem.severity === 'error');
    assert.deepEqual(errors.map((problem) => formatProblem(problem, filePath)), [], filePath);
    assert.ok(config, filePath);
  }
});

// ---- The schema file itself ----

/** Returns the root schema and each named definition with its pointer. Inline `if`/`then` schemas are conditions, so they are left out. */
function namedSchemas(): [string, SchemaObject][] {
  const definitions = Object.entries(distillSchema.definitions ?? {}).filter((entry): entry is [string, SchemaObject] =>
    isSchemaObject(entry[1]),
  );
  return [['#', distillSchema], ...definitions.map(([name, schema]): [string, SchemaObject] => [`#/definitions/${name}`, schema])];
}

function isBranchContainer(schema: SchemaObject): boolean {
  return (schema.allOf ?? []).some((part) => isSchemaObject(part) && part.if !== undefined && isSchemaObject(part.then) && part.then.$ref !== undefined);
}

test('schema objects reject unknown fields', () => {
  for (const [pointer, schema] of namedSchemas()) {
    if (schema.type !== 'object' || isBranchContainer(schema)) {
      continue;
    }
    assert.equal(schema.additionalProperties, false, `${pointer} needs "additionalProperties": false`);
  }
});

test('schema properties have descriptions', () => {
  for (const [pointer, schema] of namedSchemas()) {
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (!isSchemaObject(property) || property.const !== undefined) {
        // Branch selectors such as `"type": { "const": "mlp" }` are described on the branch container.
        continue;
      }
      const described = property.description ?? resolveRef(property).description;
      assert.ok(described, `${pointer}/properties/${name} needs a description`);
    }
  }
});

/**
 * Walks the schema along a resolved config and compares every `default` with the resolved value,
 * where the input did not set the field. Appends each mismatch to `out` as a readable line.
 */
function compareSchemaDefaults(node: SchemaNode | undefined, resolved: unknown, input: unknown, pointer: string, out: string[]): void {
  if (!isSchemaObject(node)) {
    return;
  }
  const schema = resolveRef(node);

  if (Array.isArray(resolved)) {
    resolved.forEach((item, index) => {
      const inputItem = Array.isArray(input) ? input[index] : undefined;
      compareSchemaDefaults(schema.items, item, inputItem, `${pointer}/${index}`, out);
    });
    return;
  }
  if (typeof resolved !== 'object' || resolved === null) {
    return;
  }

  const record = resolved as Record<string, unknown>;
  const inputRecord = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const applicable = [schema];
  for (const part of schema.allOf ?? []) {
    if (!isSchemaObject(part) || !isSchemaObject(part.if) || !isSchemaObject(part.then)) {
      continue;
    }
    const condition = discriminatorOf(part.if);
    if (condition && record[condition.discriminator] === condition.value) {
      applicable.push(resolveRef(part.then));
    }
  }

  for (const part of applicable) {
    for (const [name, property] of Object.entries(part.properties ?? {})) {
      if (!isSchemaObject(property)) {
        continue;
      }
      const propertyDefault = property.default ?? resolveRef(property).default;
      if (propertyDefault !== undefined && !(name in inputRecord)) {
        try {
          assert.deepEqual(record[name], propertyDefault);
        } catch {
          out.push(`${pointer}/${name}: schema default ${JSON.stringify(propertyDefault)}, resolved ${JSON.stringify(record[name])}`);
        }
      }
      if (name in record) {
        compareSchemaDefaults(property, record[name], inputRecord[name], `${pointer}/${name}`, out);
      }
    }
  }
}

test('schema defaults match resolved defaults', () => {
  const inputs: unknown[] = [
    {},
    {
      data: { source: 'csv', train: 'a.csv', test: 'b.csv', shape: [28, 28, 1] },
      teacher: { train: { schedule: { type: 'cosine' } } },
      student: {
        model: {
          type: 'cnn',
          layers: [
            { type: 'conv', filters: 4, kernelSize: 3 },
            { type: 'maxPool' },
            { type: 'dense', units: 8 },
            { type: 'dropout', rate: 0.5 },
          ],
        },
      },
    },
    { data: { source: 'idx', train: { images: 'a', labels: 'b' }, test: { images: 'c', labels: 'd' } } },
    { sweep: { temperature: [2, 4] } },
    {
      teacher: { ensemble: [{}, { load: 'a/model.json' }] },
      transfer: { omitClasses: [3], adjustBias: {}, source: { source: 'csv', train: 'a.csv', test: 'b.csv' } },
    },
  ];
  for (const input of inputs) {
    const { config, problems } = parseConfig(JSON.stringify(input), configPath);
    assert.deepEqual(problems, [], JSON.stringify(input));

    const mismatches: string[] = [];
    compareSchemaDefaults(distillSchema, config, input, '', mismatches);

    assert.deepEqual(mismatches, [], JSON.stringify(input));
  }
});
