// The config JSON Schema (schema/distill.schema.json, also contributed to VS Code through
// jsonValidation), its compiled ajv validator, and lookups used to explain validation errors.

import type AjvClass from 'ajv';
import type { ValidateFunction } from 'ajv';

import schemaJson from '../../schema/distill.schema.json';

/** The subset of draft-07 keywords that the schema file uses, plus the VS Code annotations. */
export interface SchemaObject {
  $ref?: string;
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  allOf?: SchemaNode[];
  if?: SchemaNode;
  then?: SchemaNode;
  definitions?: Record<string, SchemaNode>;
}

export type SchemaNode = SchemaObject | boolean;

export const distillSchema = schemaJson as unknown as SchemaObject;

/**
 * Keywords that VS Code's JSON language service reads and ajv does not know. They are
 * registered as annotations so that ajv's strict mode accepts them.
 */
const EDITOR_KEYWORDS = ['markdownDescription', 'enumDescriptions', 'allowComments', 'allowTrailingCommas'];

let compiledValidator: ValidateFunction | undefined;

/** Returns the ajv validator of the config schema, compiled on first use. */
export function getConfigValidator(): ValidateFunction {
  if (!compiledValidator) {
    // Loading ajv takes tens of milliseconds, more than half of the extension's load time (see
    // docs/benchmarks.md), so it is required on the first validation and not at activation.
    const { default: Ajv } = require('ajv') as { default: typeof AjvClass };
    const ajv = new Ajv({
      allErrors: true,
      strict: true,
      // `labelColumn` is an integer or a string.
      allowUnionTypes: true,
      // Errors carry their schema and data, which the messages are built from.
      verbose: true,
    });
    ajv.addVocabulary(EDITOR_KEYWORDS);
    compiledValidator = ajv.compile(distillSchema);
  }
  return compiledValidator;
}

export function isSchemaObject(node: SchemaNode | undefined): node is SchemaObject {
  return typeof node === 'object' && node !== null;
}

/** Follows a local `$ref` (`#/definitions/...`). A node without one is returned as it is. */
export function resolveRef(node: SchemaObject): SchemaObject {
  let current = node;
  const seen = new Set<SchemaObject>();
  while (current.$ref !== undefined && !seen.has(current)) {
    seen.add(current);
    const target = lookupPointer(current.$ref);
    if (!isSchemaObject(target)) {
      break;
    }
    current = target;
  }
  return current;
}

function lookupPointer(ref: string): SchemaNode | undefined {
  if (!ref.startsWith('#/')) {
    return undefined;
  }
  let node: unknown = distillSchema;
  for (const segment of ref.slice(2).split('/')) {
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return node as SchemaNode | undefined;
}

/** One branch of a schema that switches on a field's value with `if`/`then`, e.g. a model's `type`. */
export interface SchemaVariant {
  /** Field whose value selects the branch, e.g. `type`. */
  discriminator: string;
  value: unknown;
  schema: SchemaObject;
}

/** Returns the `if`/`then` branches of a schema, each with the field and value its `if` tests. */
export function variantsOf(node: SchemaObject): SchemaVariant[] {
  const variants: SchemaVariant[] = [];
  for (const part of node.allOf ?? []) {
    if (!isSchemaObject(part) || !isSchemaObject(part.if) || !isSchemaObject(part.then)) {
      continue;
    }
    const condition = discriminatorOf(part.if);
    if (condition) {
      variants.push({ ...condition, schema: resolveRef(part.then) });
    }
  }
  return variants;
}

/** Reads `{ properties: { field: { const: value } } }` from an `if` schema. */
export function discriminatorOf(ifSchema: SchemaObject): { discriminator: string; value: unknown } | undefined {
  for (const [name, property] of Object.entries(ifSchema.properties ?? {})) {
    if (isSchemaObject(property) && property.const !== undefined) {
      return { discriminator: name, value: property.const };
    }
  }
  return undefined;
}

/** Schemas reached through `if`/`then`, mapped to the schema that switches between them. */
const variantOwners = new Map<SchemaObject, SchemaObject>();

function indexVariants(node: SchemaNode | undefined): void {
  if (!isSchemaObject(node)) {
    return;
  }
  for (const variant of variantsOf(node)) {
    variantOwners.set(variant.schema, node);
  }
  for (const child of Object.values(node.definitions ?? {})) {
    indexVariants(child);
  }
}
indexVariants(distillSchema);

/** Returns the schema that switches to `branch` with `if`/`then` (e.g. a model for its `cnn` branch), if any. */
export function variantOwner(branch: SchemaObject): SchemaObject | undefined {
  return variantOwners.get(branch);
}

/** Names of the fields an object schema allows, including those of its `if`/`then` branches. */
export function allowedFieldNames(node: SchemaObject): string[] {
  const schema = resolveRef(node);
  const names = new Set(Object.keys(schema.properties ?? {}));
  for (const variant of variantsOf(schema)) {
    for (const name of Object.keys(variant.schema.properties ?? {})) {
      names.add(name);
    }
  }
  return [...names];
}
