// Builds schema/distill.editor.schema.json, the schema that package.json contributes to VS Code
// through jsonValidation, from schema/distill.schema.json, which the config parser validates with.
//
// VS Code's JSON language service reports every schema violation as a problem of its own. The
// extension already reports each of them with its JSON path and a fix (src/config/schemaErrors.ts),
// so the same mistake would appear twice. The editor schema keeps what completion and hover read
// (properties, descriptions, defaults, examples, enum values and their descriptions) and moves each
// node's validation keywords into `anyOf: [{ ...validation }, {}]`. The empty alternative matches
// any value, so the language service reports nothing, while its value completion still collects
// enum values and types from every `anyOf` alternative, and its hover still shows an enum value's
// description when the value is valid. `if` schemas are copied unchanged: the language service
// never reports their problems, and they pick the `then` branch that completion offers, such as
// the CSV fields for `"source": "csv"`.
//
// test/unit/editor-schema.test.ts checks these claims against the JSON server of VS Code 1.100.3
// (code-server 4.100.3) when scripts/e2e/install-tools.sh has installed it.
//
// Run `npx tsx scripts/editor-schema.ts` after editing schema/distill.schema.json. A unit test
// fails while the two files disagree.

import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

type Schema = Record<string, unknown>;

/** Keywords that make VS Code's JSON language service report a problem for a value. */
export const VALIDATION_KEYWORDS: readonly string[] = [
  'type',
  'enum',
  'const',
  'required',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minItems',
  'maxItems',
  'uniqueItems',
  'contains',
  'additionalItems',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'dependencies',
  'not',
  'deprecationMessage',
];

/** Keywords that describe the validation keywords above, so they move with them. */
const VALIDATION_ANNOTATIONS = ['enumDescriptions', 'markdownEnumDescriptions', 'errorMessage', 'patternErrorMessage'];

/** Keywords whose value is a map of names to schemas. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];

/** Keywords whose value is a list of schemas. */
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];

/** Keywords whose value is one schema, or for `items` possibly a list. `if` is left out on purpose. */
const SCHEMA_VALUES = ['items', 'then', 'else'];

const editorSchemaFile = 'distill.editor.schema.json';

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapSchemas(value: unknown, transform: (schema: Schema) => Schema): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => (isSchema(item) ? transform(item) : item));
  }
  return isSchema(value) ? transform(value) : value;
}

interface DefaultSnippet {
  label?: string;
  body: unknown;
  description?: string;
  markdownDescription?: string;
}

function isDefined(value: unknown): boolean {
  return value !== undefined;
}

/** Returns a snippet body whose text is the bare snippet `text`: a leading `^` keeps it out of JSON quoting. */
function rawSnippet(text: string): string {
  return `^${text}`;
}

/** Returns a snippet body that inserts `value` as the selected placeholder `${1:…}`, inside quotes for a string. */
function placeholderBody(value: unknown): unknown {
  if (typeof value === 'string') {
    // A string body is quoted by the service, and `$`, `}` and `\` are snippet syntax.
    return `\${1:${value.replace(/[$}\\]/g, '\\$&')}}`;
  }
  return typeof value === 'number' || typeof value === 'boolean' ? rawSnippet(`\${1:${JSON.stringify(value)}}`) : value;
}

/**
 * Returns `defaultSnippets` entries that keep completion as the full schema gives it. When a
 * property name is completed, the language service inserts a value chosen from the property's
 * own top-level `defaultSnippets`, `enum`, `const`, `default`, `examples` and `type`, in that
 * order, and not from `anyOf`. One snippet per `enum` or `const` value keeps both the inserted
 * text and the count of proposals that decides it. A property with none of these gets one
 * snippet that inserts what its `type` did: `"$1"`, `${1:0}`, `{$1}` or `[$1]`.
 */
function insertTextHints(validation: Schema, annotations: Schema): DefaultSnippet[] {
  const values = [...(Array.isArray(validation.enum) ? validation.enum : []), ...(isDefined(validation.const) ? [validation.const] : [])];
  const descriptions = Array.isArray(validation.enumDescriptions) ? (validation.enumDescriptions as string[]) : [];
  const markdownDescriptions = Array.isArray(validation.markdownEnumDescriptions) ? (validation.markdownEnumDescriptions as string[]) : [];
  if (values.length > 0) {
    // With one value the service inserts it as a placeholder, `"${1:mlp}"`, and with several an empty `$1`.
    return values.map((value, index) => {
      const snippet: DefaultSnippet = { label: JSON.stringify(value), body: values.length === 1 ? placeholderBody(value) : value };
      const description = descriptions[index] ?? annotations.description;
      const markdownDescription = markdownDescriptions[index] ?? annotations.markdownDescription;
      if (typeof description === 'string') {
        snippet.description = description;
      }
      if (typeof markdownDescription === 'string') {
        snippet.markdownDescription = markdownDescription;
      }
      return snippet;
    });
  }

  const hasValueHint = ['default', 'examples', 'defaultSnippets'].some((keyword) => isDefined(annotations[keyword]));
  if (hasValueHint || isDefined(annotations.properties) || isDefined(annotations.items)) {
    return [];
  }
  const type = Array.isArray(validation.type) ? validation.type[0] : validation.type;
  switch (type) {
    case 'string':
      return [{ label: '""', body: '$1' }];
    case 'integer':
    case 'number':
      return [{ label: '0', body: rawSnippet('${1:0}') }];
    case 'object':
      return [{ label: '{}', body: rawSnippet('{$1}') }];
    case 'array':
      return [{ label: '[]', body: rawSnippet('[$1]') }];
    case 'boolean':
      // Two proposals make the service insert an empty `$1`, as it does for a boolean type.
      return [{ body: true }, { body: false }];
    default:
      return [];
  }
}

/** Returns a copy of `schema` whose validation keywords sit in an `anyOf` that any value matches. */
export function toEditorSchema(schema: Schema): Schema {
  const result: Schema = {};
  const validation: Schema = {};

  for (const [keyword, value] of Object.entries(schema)) {
    const isClosedObject = keyword === 'additionalProperties' && typeof value === 'boolean';
    if (VALIDATION_KEYWORDS.includes(keyword) || VALIDATION_ANNOTATIONS.includes(keyword) || isClosedObject) {
      validation[keyword] = value;
    } else if (SCHEMA_MAPS.includes(keyword) && isSchema(value)) {
      result[keyword] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, mapSchemas(child, toEditorSchema)]));
    } else if (SCHEMA_LISTS.includes(keyword) || SCHEMA_VALUES.includes(keyword) || keyword === 'additionalProperties') {
      result[keyword] = mapSchemas(value, toEditorSchema);
    } else {
      result[keyword] = value;
    }
  }

  if (Object.keys(validation).length === 0) {
    return result;
  }
  const hints = insertTextHints(validation, result);
  if (hints.length > 0) {
    result.defaultSnippets = [...(Array.isArray(result.defaultSnippets) ? result.defaultSnippets : []), ...hints];
  }
  if (result.anyOf !== undefined) {
    // A second anyOf cannot sit beside the first, and the config schema uses none.
    throw new Error(`toEditorSchema: a schema with both anyOf and validation keywords is not supported: ${JSON.stringify(schema).slice(0, 200)}`);
  }
  result.anyOf = [validation, {}];
  return result;
}

/** Returns the text of schema/distill.editor.schema.json for the schema file in `schemaDir`. */
export function buildEditorSchemaText(schemaDir: string): string {
  const source = JSON.parse(readFileSync(path.join(schemaDir, 'distill.schema.json'), 'utf8')) as Schema;
  const editorSchema = toEditorSchema(source);
  editorSchema.$comment = 'Generated from distill.schema.json by scripts/editor-schema.ts: edit that file, then run `npx tsx scripts/editor-schema.ts`.';
  return `${JSON.stringify(editorSchema, null, 2)}\n`;
}

export function editorSchemaPath(schemaDir: string): string {
  return path.join(schemaDir, editorSchemaFile);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const schemaDir = path.resolve(__dirname, '..', 'schema');
  writeFileSync(editorSchemaPath(schemaDir), buildEditorSchemaText(schemaDir));
  console.log(`Wrote ${editorSchemaPath(schemaDir)}`);
}
