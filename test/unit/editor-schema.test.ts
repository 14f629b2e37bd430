// The editor schema (schema/distill.editor.schema.json) that VS Code's JSON language service reads:
// it must report none of the config mistakes that the extension already reports with a fix, and
// give the same completion and hover as the full schema. The checks against the language service
// itself use the JSON server of the code-server build in .e2e-tools, and skip without it.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

import Ajv from 'ajv';

import { buildEditorSchemaText, editorSchemaPath, toEditorSchema } from '../../scripts/editor-schema';
import { parseConfig } from '../../src/config/parse';
import { isJsonServerInstalled, JsonLanguageServer, jsonServerPath, type Diagnostic } from './extension/jsonLanguageServer';

const repoRoot = path.resolve(__dirname, '..', '..');
const schemaDir = path.join(repoRoot, 'schema');
const invalidConfigsDir = path.join(repoRoot, 'test', 'fixtures', 'configs', 'invalid');

const fullSchema = JSON.parse(readFileSync(path.join(schemaDir, 'distill.schema.json'), 'utf8')) as Record<string, unknown>;
const editorSchema = JSON.parse(readFileSync(editorSchemaPath(schemaDir), 'utf8')) as Record<string, unknown>;

const invalidConfigs = readdirSync(invalidConfigsDir)
  .filter((name) => name.endsWith('.distill.json'))
  .sort()
  .map((name) => ({ name, text: readFileSync(path.join(invalidConfigsDir, name), 'utf8') }));

const noJsonServer = isJsonServerInstalled() ? false : `VS Code's JSON server is not installed at ${jsonServerPath}: run scripts/e2e/install-tools.sh`;
// `npm run test:all` installs the tools first and sets DISTILL_REQUIRE_E2E_TOOLS=1, so that CI
// fails instead of skipping these checks when the install did not provide the server.
if (noJsonServer !== false && process.env.DISTILL_REQUIRE_E2E_TOOLS === '1') {
  throw new Error(`DISTILL_REQUIRE_E2E_TOOLS=1, but ${noJsonServer}`);
}

/** Places where completion is compared, the cursor at `|`: property names, then values. */
const completionPlaces = [
  '{ | }',
  '{ "data": { | } }',
  '{ "data": { "source": "idx", | } }',
  '{ "data": { "source": "csv", | } }',
  '{ "teacher": { | } }',
  '{ "teacher": { "model": { | } } }',
  '{ "teacher": { "model": { "type": "cnn", "layers": [ { "type": "conv", | } ] } } }',
  '{ "teacher": { "train": { | } } }',
  '{ "teacher": { "train": { "schedule": { "type": "step", | } } } }',
  '{ "teacher": { "ensemble": [ { | } ] } }',
  '{ "student": { "model": { | } } }',
  '{ "distillation": { | } }',
  '{ "transfer": { | } }',
  '{ "evaluation": { | } }',
  '{ "sweep": { | } }',
  '{ "baseline": | }',
  '{ "backend": | }',
  '{ "data": { "source": | } }',
  '{ "data": { "source": "csv", "header": | } }',
  '{ "distillation": { "loss": | } }',
  '{ "teacher": { "model": { "type": | } } }',
  '{ "teacher": { "model": { "type": "cnn", "layers": [ { "type": | } ] } } }',
  '{ "teacher": { "train": { "optimizer": | } } }',
  '{ "teacher": { "train": { "schedule": { "type": | } } } }',
  '{ "teacher": { "combine": | } }',
];

/**
 * Values whose completion the editor schema extends on purpose: a property without a default
 * gets one snippet so that completing its name still inserts `"name": "$1"`, and the snippet is
 * also offered as a value.
 */
const extendedValuePlaces: { place: string; added: string }[] = [
  { place: '{ "name": | }', added: '""' },
  { place: '{ "data": { "trainExamples": | } }', added: '0' },
];

const hoverPlaces = [
  '{ "back|end": "wasm" }',
  '{ "backend": "wa|sm" }',
  '{ "data": { "source": "csv", "hea|der": "auto" } }',
  '{ "teacher": { "model": { "type": "c|nn" } } }',
  '{ "distillation": { "tempe|rature": 4 } }',
  '{ "transfer": { "omit|Classes": [3] } }',
];

/**
 * Keywords that the JSON language service validates, kept apart from the script's own list so that
 * a keyword missing from that list is found here too.
 */
const validationKeywords = new Set([
  'type', 'enum', 'const', 'required', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'additionalItems',
  'minProperties', 'maxProperties', 'propertyNames', 'dependencies', 'not', 'deprecationMessage', 'oneOf',
]);

/** Finds validation keywords outside `anyOf[0]` and `if`, which the language service would report on. */
function findExposedValidation(node: unknown, pointer: string, found: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => findExposedValidation(item, `${pointer}/${index}`, found));
    return;
  }
  if (typeof node !== 'object' || node === null) {
    return;
  }
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === 'if' || keyword === 'examples' || keyword === 'default' || keyword === 'defaultSnippets') {
      continue;
    }
    if (keyword === 'anyOf' && Array.isArray(value)) {
      // anyOf[0] contains the moved keywords, and anyOf[1] is the `{}` that lets any value through.
      assert.deepEqual(value[1], {}, `${pointer}/anyOf/1 is not the empty schema`);
      continue;
    }
    if (validationKeywords.has(keyword) || (keyword === 'additionalProperties' && typeof value === 'boolean')) {
      found.push(`${pointer}/${keyword}`);
      continue;
    }
    if (keyword === 'properties' || keyword === 'definitions') {
      for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
        findExposedValidation(child, `${pointer}/${keyword}/${name}`, found);
      }
      continue;
    }
    findExposedValidation(value, `${pointer}/${keyword}`, found);
  }
}

function describeItem(item: { label: string; insertText?: string; textEdit?: { newText: string }; kind?: number; documentation?: unknown; detail?: string }): string {
  return JSON.stringify({ label: item.label, insertText: item.insertText ?? item.textEdit?.newText, kind: item.kind, detail: item.detail, documentation: item.documentation });
}

test('editor schema file is up to date', () => {
  assert.equal(
    readFileSync(editorSchemaPath(schemaDir), 'utf8'),
    buildEditorSchemaText(schemaDir),
    'schema/distill.editor.schema.json differs from what scripts/editor-schema.ts builds: run `npx tsx scripts/editor-schema.ts`',
  );
});

test('editor schema exposes no validation', () => {
  const found: string[] = [];
  findExposedValidation(editorSchema, '', found);
  assert.deepEqual(found, []);
});

test('editor schema keeps every annotation', () => {
  // Without the moved validation and the added snippets, the editor schema is the full schema
  // without its validation: the same properties, descriptions, defaults and examples everywhere.
  const moved = new Set([...validationKeywords, 'enumDescriptions', 'markdownEnumDescriptions', 'errorMessage', 'patternErrorMessage']);
  const strip = (node: unknown, isAdded: (keyword: string, value: unknown) => boolean): unknown => {
    if (Array.isArray(node)) {
      return node.map((item) => strip(item, isAdded));
    }
    if (typeof node !== 'object' || node === null) {
      return node;
    }
    const result: Record<string, unknown> = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (isAdded(keyword, value)) {
        continue;
      }
      if (keyword === 'properties' || keyword === 'definitions') {
        // Maps of names to schemas: a property called "type" is not the keyword.
        result[keyword] = Object.fromEntries(Object.entries(value as object).map(([name, child]) => [name, strip(child, isAdded)]));
      } else if (keyword === 'if' || keyword === 'examples' || keyword === 'default') {
        // `if` stays as it is, and examples and defaults are config values, not schemas.
        result[keyword] = value;
      } else {
        result[keyword] = strip(value, isAdded);
      }
    }
    return result;
  };
  const isValidation = (keyword: string, value: unknown): boolean => moved.has(keyword) || (keyword === 'additionalProperties' && typeof value === 'boolean');
  const isEditorAddition = (keyword: string): boolean => keyword === 'anyOf' || keyword === 'defaultSnippets' || keyword === '$comment';

  assert.deepEqual(strip(editorSchema, isEditorAddition), strip(fullSchema, isValidation));
  assert.ok(Object.keys((editorSchema.properties ?? {}) as object).length >= 10, 'the root lost its properties');
});

test('toEditorSchema moves validation into anyOf', () => {
  const converted = toEditorSchema({
    type: 'object',
    description: 'A model.',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { enum: ['mlp', 'cnn'], enumDescriptions: ['Dense layers.', 'Convolutions.'], default: 'mlp' },
      units: { type: 'integer', minimum: 1 },
    },
    allOf: [{ if: { properties: { type: { const: 'cnn' } }, required: ['type'] }, then: { properties: { layers: { type: 'array', minItems: 1 } } } }],
  });

  assert.deepEqual(converted.anyOf, [{ type: 'object', additionalProperties: false, required: ['type'] }, {}]);
  assert.equal(converted.description, 'A model.');
  const properties = converted.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(properties.type.anyOf, [{ enum: ['mlp', 'cnn'], enumDescriptions: ['Dense layers.', 'Convolutions.'] }, {}]);
  assert.equal(properties.type.default, 'mlp');
  // One snippet per enum value keeps the count that makes completing "type" insert an empty value.
  assert.deepEqual(properties.type.defaultSnippets, [
    { label: '"mlp"', body: 'mlp', description: 'Dense layers.' },
    { label: '"cnn"', body: 'cnn', description: 'Convolutions.' },
  ]);
  assert.deepEqual(properties.units.anyOf, [{ type: 'integer', minimum: 1 }, {}]);
  assert.deepEqual(properties.units.defaultSnippets, [{ label: '0', body: '^${1:0}' }]);
  // `if` decides which `then` completion offers, and its problems are never reported: it stays as it is.
  const branch = (converted.allOf as Record<string, Record<string, unknown>>[])[0];
  assert.deepEqual(branch.if, { properties: { type: { const: 'cnn' } }, required: ['type'] });
  assert.deepEqual((branch.then as { properties: { layers: unknown } }).properties.layers, {
    anyOf: [{ type: 'array', minItems: 1 }, {}],
    defaultSnippets: [{ label: '[]', body: '^[$1]' }],
  });
});

test('invalid configs get our errors', () => {
  assert.ok(invalidConfigs.length >= 10, `only ${invalidConfigs.length} configs in ${invalidConfigsDir}`);
  const validateFull = new Ajv({ allErrors: true, strict: false }).compile(fullSchema);
  const validateEditor = new Ajv({ allErrors: true, strict: false }).compile(editorSchema);

  for (const { name, text } of invalidConfigs) {
    const value: unknown = JSON.parse(text);
    assert.equal(validateFull(value), false, `${name} is valid against the full schema, so it tests nothing`);
    assert.equal(validateEditor(value), true, `${name} is invalid against the editor schema: ${JSON.stringify(validateEditor.errors)}`);

    const errors = parseConfig(text, path.join(invalidConfigsDir, name)).problems.filter((problem) => problem.severity === 'error');
    assert.equal(errors.length, 1, `${name}: ${JSON.stringify(errors.map((problem) => problem.message))}`);
    assert.match(errors[0].message, /^\/\S*: /, `${name}: the error does not start with its JSON path`);
  }
});

let fullServer: JsonLanguageServer | undefined;
let editorServer: JsonLanguageServer | undefined;

before(async () => {
  if (noJsonServer === false) {
    fullServer = await JsonLanguageServer.start(fullSchema);
    editorServer = await JsonLanguageServer.start(editorSchema);
  }
});

after(async () => {
  await fullServer?.stop();
  await editorServer?.stop();
});

test('JSON server reports no schema problems', { skip: noJsonServer }, async () => {
  assert.ok(fullServer !== undefined, 'the server with the full schema did not start');
  assert.ok(editorServer !== undefined, 'the server with the editor schema did not start');
  const full = fullServer;
  const editor = editorServer;
  // The server publishes a document's problems after a short delay, so the documents are opened together.
  const results = await Promise.all(
    invalidConfigs.map(async ({ name, text }) => ({ name, withFull: await full.diagnose(text), withEditor: await editor.diagnose(text) })),
  );

  for (const { name, withFull, withEditor } of results) {
    // With the full schema VS Code would show its own copy of the mistake.
    assert.ok(withFull.diagnostics.length >= 1, `${name}: the full schema gives no problem, so the fixture tests nothing`);
    assert.deepEqual(withEditor.diagnostics.map((diagnostic: Diagnostic) => diagnostic.message), [], `${name} gets problems from the editor schema`);
  }
});

test('JSON server completes as before', { skip: noJsonServer }, async () => {
  assert.ok(fullServer !== undefined, 'the server with the full schema did not start');
  assert.ok(editorServer !== undefined, 'the server with the editor schema did not start');
  for (const place of completionPlaces) {
    const expected = (await fullServer.complete(place)).map(describeItem).sort();
    const actual = (await editorServer.complete(place)).map(describeItem).sort();

    assert.ok(expected.length > 0, `no completion at ${place}`);
    assert.deepEqual(actual, expected, `completion at ${place}`);
  }
  for (const { place, added } of extendedValuePlaces) {
    const expected = (await fullServer.complete(place)).map((item) => item.label).sort();
    const actual = (await editorServer.complete(place)).map((item) => item.label).sort();
    assert.deepEqual(actual, [...expected, added].sort(), `completion at ${place}`);
  }
});

test('JSON server hovers as before', { skip: noJsonServer }, async () => {
  assert.ok(fullServer !== undefined, 'the server with the full schema did not start');
  assert.ok(editorServer !== undefined, 'the server with the editor schema did not start');
  for (const place of hoverPlaces) {
    const expected = await fullServer.hover(place);

    assert.notEqual(expected, '', `no hover at ${place}`);
    assert.equal(await editorServer.hover(place), expected, `hover at ${place}`);
  }
});
