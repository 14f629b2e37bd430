// Turns ajv's validation errors into located problems that state what was found, what is
// expected and how to fix it, with one problem per mistake.

import type { ErrorObject } from 'ajv';
import { distance } from 'fastest-levenshtein';
import type { Node as JsonNode } from 'jsonc-parser';

import { findValueNode, keyRange, objectRange, pointerToSegments, segmentsToPointer, valueRange } from './locate';
import { createProblem, type ConfigProblem, type TextRange } from './problems';
import {
  allowedFieldNames,
  discriminatorOf,
  isSchemaObject,
  resolveRef,
  variantOwner,
  variantsOf,
  type SchemaNode,
  type SchemaObject,
} from './schema';

interface SchemaProblem {
  path: string;
  range: TextRange;
  message: string;
}

/** Keywords of one value's errors, most specific first. Only the first one present is reported. */
const KEYWORD_PRIORITY = [
  'type',
  'enum',
  'const',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'minItems',
  'maxItems',
];

/**
 * Converts ajv errors (from a validator compiled with `allErrors` and `verbose`) into problems.
 * The `if` errors that ajv adds above every failed `then` branch only give context, and several
 * errors on one value become one problem.
 */
export function problemsFromSchemaErrors(errors: readonly ErrorObject[], root: JsonNode, text: string): ConfigProblem[] {
  const failedBranches = new Map<string, SchemaObject[]>();
  const missingByObject = new Map<string, ErrorObject[]>();
  const forbiddenByObject = new Map<string, ErrorObject[]>();
  const errorsByValue = new Map<string, ErrorObject[]>();
  const unknownByObject = new Map<string, ErrorObject[]>();
  const problems: SchemaProblem[] = [];

  for (const error of errors) {
    if (error.keyword === 'if') {
      // parentSchema is the `{ if, then }` pair whose `then` failed.
      pushTo(failedBranches, error.instancePath, error.parentSchema as SchemaObject);
    } else if (error.keyword === 'required') {
      pushTo(missingByObject, error.instancePath, error);
    } else if (error.keyword === 'false schema') {
      pushTo(forbiddenByObject, parentPointer(error.instancePath), error);
    } else if (error.keyword === 'additionalProperties') {
      pushTo(unknownByObject, error.instancePath, error);
    } else if (error.keyword === 'uniqueItems') {
      problems.push(duplicateItemProblem(error, root));
    } else {
      pushTo(errorsByValue, error.instancePath, error);
    }
  }

  for (const unknown of unknownByObject.values()) {
    problems.push(...unknownFieldProblems(unknown, root));
  }

  for (const [pointer, missing] of missingByObject) {
    problems.push(missingFieldsProblem(pointer, missing, failedBranches.get(pointer) ?? [], root, text));
  }

  for (const [pointer, valueErrors] of errorsByValue) {
    problems.push(valueProblem(pointer, mostSpecificError(valueErrors), root));
  }

  // A field that is not allowed at all needs no further problems about its contents.
  const forbiddenPaths = [...forbiddenByObject.values()].flat().map((error) => error.instancePath);
  const isInsideForbidden = (path: string) =>
    forbiddenPaths.some((forbidden) => path === forbidden || path.startsWith(forbidden + '/'));
  const kept = problems.filter((problem) => !isInsideForbidden(problem.path));

  for (const [pointer, forbidden] of forbiddenByObject) {
    kept.push(forbiddenFieldsProblem(pointer, forbidden, failedBranches.get(pointer) ?? [], root));
  }
  return kept.map((problem) => createProblem(text, problem.range, problem.path, problem.message));
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) {
    list.push(value);
  } else {
    map.set(key, [value]);
  }
}

function mostSpecificError(errors: ErrorObject[]): ErrorObject {
  const rank = (error: ErrorObject) => {
    const index = KEYWORD_PRIORITY.indexOf(error.keyword);
    return index === -1 ? KEYWORD_PRIORITY.length : index;
  };
  return errors.reduce((best, error) => (rank(error) < rank(best) ? error : best));
}

/** Backend names that ask for a GPU: TensorFlow.js's webgl and webgpu, CUDA, tfjs-node-gpu, Apple's Metal and MPS, and the like. */
export const GPU_BACKEND_PATTERN = /gpu|cuda|webgl|metal|^mps$|rocm|opencl|vulkan|directml/i;

/**
 * The engine (src/engine/backend.ts) loads only @tensorflow/tfjs-node, the wasm backend and the
 * cpu backend, and none of them uses a GPU. @tensorflow/tfjs-node-gpu is a separate package
 * that the engine never loads.
 */
export const GPU_BACKEND_HINT =
  'Training on a GPU is not supported: every backend runs on the CPU, and @tensorflow/tfjs-node-gpu is not used. ' +
  'Use "auto", which picks "tensorflow" when @tensorflow/tfjs-node is installed and "wasm" otherwise.';

// ---- One problem per kind of mistake ----

function valueProblem(pointer: string, error: ErrorObject, root: JsonNode): SchemaProblem {
  const schema = error.parentSchema as SchemaObject;
  const key = fieldName(pointer, root);
  const found = describeFound(error.data);
  const range = valueRange(root, pointer);
  let message: string;

  switch (error.keyword) {
    case 'type':
      message = `expected ${describeExpected(schema)}, found ${found}. ${typeFix(schema, key, error.data)}`;
      break;
    case 'enum': {
      const allowed = schema.enum ?? [];
      const suggestion = typeof error.data === 'string' ? suggestValue(error.data, allowed) : undefined;
      let hint = suggestion !== undefined ? ` Did you mean ${formatJson(suggestion)}?` : '';
      if (pointer === '/backend' && typeof error.data === 'string' && GPU_BACKEND_PATTERN.test(error.data)) {
        // The closest name by spelling ("gpu" -> "cpu") would point to the slowest backend.
        hint = ` ${GPU_BACKEND_HINT}`;
      }
      message = `${found} is not one of ${allowed.map(formatJson).join(', ')}.${hint}`;
      break;
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      message = `expected ${describeExpected(schema)}, found ${found}. ${rangeFix(schema, key)}`;
      break;
    case 'minLength': {
      const fix = exampleFor(schema) === undefined ? `Write a value, or remove "${key}".` : withExample('Write a value', schema, key);
      message = `expected ${describeExpected(schema)}, found ${found}. ${fix}`;
      break;
    }
    case 'minItems':
    case 'maxItems':
      message = `expected ${describeExpected(schema)}, found ${found}. ${withExample('Write a list', schema, key)}`;
      break;
    default:
      message = `${error.message ?? 'invalid value'}.`;
  }
  return { path: pointer, range, message: prefix(pointer) + message.trimEnd() };
}

function unknownFieldProblems(errors: ErrorObject[], root: JsonNode): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const otherBranchFields: { field: string; pointer: string; variant: VariantMatch }[] = [];

  for (const error of errors) {
    const schema = error.parentSchema as SchemaObject;
    const field = String((error.params as { additionalProperty: string }).additionalProperty);
    const pointer = error.instancePath + segmentsToPointer([field]);
    const allowed = Object.keys(schema.properties ?? {}).filter((name) => name !== '$schema');
    const suggestion = suggestValue(field, allowed);
    const variant = suggestion === undefined ? variantWithField(schema, field, error.data) : undefined;
    if (variant) {
      otherBranchFields.push({ field, pointer, variant });
      continue;
    }
    const hint = unknownFieldHint(schema, field, allowed, suggestion);
    problems.push({ path: pointer, range: keyRange(root, pointer), message: `${prefix(pointer)}unknown field "${field}". ${hint}` });
  }

  // Fields of another branch, e.g. "train" and "test" on MNIST data, share one cause: the
  // field that selects the branch is missing or has another value. They make one problem.
  if (otherBranchFields.length > 0) {
    const first = otherBranchFields[0];
    const { discriminator, current } = first.variant;
    const values = first.variant.values.filter((value) => otherBranchFields.every((entry) => entry.variant.values.includes(value)));
    const fields = otherBranchFields.map((entry) => entry.field);
    const several = fields.length > 1;
    const currentText = current.written ? `is ${formatJson(current.value)}` : `is not set, so it is ${formatJson(current.value)}`;
    const condition = values.length > 0 ? `when "${discriminator}" is ${values.map(formatJson).join(' or ')}` : `for another "${discriminator}"`;
    const message =
      `${quoteList(fields)} ${several ? 'apply' : 'applies'} only ${condition}, but here "${discriminator}" ${currentText}. ` +
      `Set "${discriminator}", or remove ${several ? 'them' : 'it'}.`;
    problems.push({ path: first.pointer, range: keyRange(root, first.pointer), message: prefix(first.pointer) + message });
  }
  return problems;
}

function unknownFieldHint(schema: SchemaObject, field: string, allowed: string[], suggestion: string | undefined): string {
  if (suggestion !== undefined) {
    return `Did you mean "${suggestion}"?`;
  }
  // A field written one level too high, e.g. "epochs" directly in "teacher" instead of in "train".
  const container = allowed.find((name) => {
    const property = schema.properties?.[name];
    return isSchemaObject(property) && allowedFieldNames(property).includes(field);
  });
  if (container !== undefined) {
    return `It belongs inside "${container}": move it there.`;
  }
  return `The fields allowed here are ${allowed.map((name) => `"${name}"`).join(', ')}. Remove it or correct its name.`;
}

interface VariantMatch {
  discriminator: string;
  /** Values of the discriminator whose branches allow the field. */
  values: unknown[];
  /** The discriminator's value in the file, or its default when the file does not set it. */
  current: { value: unknown; written: boolean };
}

/** Finds the sibling `if`/`then` branches that allow `field`, e.g. `hidden` written on a `cnn` model. */
function variantWithField(branch: SchemaObject, field: string, data: unknown): VariantMatch | undefined {
  const owner = variantOwner(branch);
  if (!owner) {
    return undefined;
  }
  const matching = variantsOf(owner).filter(
    (variant) => variant.schema !== branch && variant.schema.properties?.[field] !== undefined,
  );
  if (matching.length === 0) {
    return undefined;
  }
  const discriminator = matching[0].discriminator;
  const written = isRecord(data) ? data[discriminator] : undefined;
  const current =
    written !== undefined ? { value: written, written: true } : { value: exampleFor(owner.properties?.[discriminator]), written: false };
  return { discriminator, values: matching.map((variant) => variant.value), current };
}

function duplicateItemProblem(error: ErrorObject, root: JsonNode): SchemaProblem {
  const { i, j } = error.params as { i: number; j: number };
  const earlier = Math.min(i, j);
  const later = Math.max(i, j);
  const pointer = error.instancePath + segmentsToPointer([later]);
  const value = Array.isArray(error.data) ? error.data[later] : undefined;
  return {
    path: pointer,
    range: valueRange(root, pointer),
    message: `${prefix(pointer)}${formatJson(value)} is listed twice (items ${earlier} and ${later}). Remove one of them.`,
  };
}

function missingFieldsProblem(
  pointer: string,
  errors: ErrorObject[],
  failedBranches: SchemaObject[],
  root: JsonNode,
  text: string,
): SchemaProblem {
  const schema = errors[0].parentSchema as SchemaObject;
  const missing = errors.map((error) => String((error.params as { missingProperty: string }).missingProperty));
  const examples = missing.map((name) => assignment(name, exampleForMissing(schema, name, errors[0].data)));

  // A field required only by one branch, e.g. `train` when `source` is `idx`, names the branch.
  const branch = failedBranches.find((pair) => isSchemaObject(pair.then) && resolveRef(pair.then) === schema);
  const condition = branch && isSchemaObject(branch.if) ? discriminatorOf(branch.if) : undefined;
  const requiredBy = condition ? `, which "${condition.discriminator}": ${formatJson(condition.value)} requires` : '';

  const message = `missing ${quoteList(missing)}${requiredBy}. Add ${missing.length > 1 ? 'them' : 'it'}, e.g. ${examples.join(', ')}.`;
  return { path: pointer, range: objectRange(root, pointer, text), message: prefix(pointer) + message };
}

/** Picks the example for a missing field. A missing branch selector, e.g. a layer's `type`, gets the branch that allows the fields already written. */
function exampleForMissing(schema: SchemaObject, name: string, data: unknown): unknown {
  const written = isRecord(data) ? Object.keys(data).filter((key) => key !== name) : [];
  const fitting = variantsOf(schema).find(
    (variant) =>
      variant.discriminator === name &&
      written.length > 0 &&
      written.every((key) => variant.schema.properties?.[key] !== undefined),
  );
  return fitting ? fitting.value : exampleFor(schema.properties?.[name]);
}

function forbiddenFieldsProblem(
  objectPointer: string,
  errors: ErrorObject[],
  failedBranches: SchemaObject[],
  root: JsonNode,
): SchemaProblem {
  const fields = errors.map((error) => pointerToSegments(error.instancePath).pop() ?? '');
  const firstPointer = errors[0].instancePath;

  // The branch whose `then` forbids these fields names the field that triggers it and gives the reason.
  const branch = failedBranches.find((pair) => {
    const then = isSchemaObject(pair.then) ? resolveRef(pair.then) : undefined;
    return then?.properties?.[fields[0]] === false;
  });
  const trigger = branch && isSchemaObject(branch.if) ? branch.if.required?.[0] : undefined;
  const reason = branch && isSchemaObject(branch.then) ? branch.then.description : undefined;

  const verb = fields.length > 1 ? 'are' : 'is';
  const conflict = trigger !== undefined ? `cannot be used together with "${trigger}"` : `${verb} not allowed here`;
  const message = `${quoteList(fields)} ${conflict}.${reason ? ' ' + reason : ''}`;
  return { path: firstPointer || objectPointer, range: keyRange(root, firstPointer), message: prefix(firstPointer) + message };
}

// ---- Describing values and schemas in words ----

function prefix(pointer: string): string {
  return pointer === '' ? '' : `${pointer}: `;
}

function parentPointer(pointer: string): string {
  const segments = pointerToSegments(pointer);
  segments.pop();
  return segmentsToPointer(segments);
}

/** Name of the field holding the value at `pointer`, or undefined for list items and the root. */
function fieldName(pointer: string, root: JsonNode): string | undefined {
  const segments = pointerToSegments(pointer);
  const last = segments.pop();
  if (last === undefined) {
    return undefined;
  }
  const parentIsList = findValueNode(root, segmentsToPointer(segments))?.type === 'array';
  return parentIsList ? undefined : last;
}

function typesOf(schema: SchemaObject): string[] {
  if (schema.type === undefined) {
    return [];
  }
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** Describes what a schema accepts, e.g. `an integer >= 1` or `one of "adam", "sgd"`. */
export function describeExpected(node: SchemaNode | undefined, plural = false): string {
  if (!isSchemaObject(node)) {
    return plural ? 'values' : 'a value';
  }
  const schema = resolveRef(node);
  if (schema.enum) {
    return `one of ${schema.enum.map(formatJson).join(', ')}`;
  }
  if (schema.const !== undefined) {
    return formatJson(schema.const);
  }
  const types = typesOf(schema);
  if (types.length === 0) {
    return plural ? 'values' : 'a value';
  }
  return types.map((type) => describeType(type, schema, plural)).join(' or ');
}

function describeType(type: string, schema: SchemaObject, plural: boolean): string {
  switch (type) {
    case 'integer':
      return (plural ? 'integers' : 'an integer') + describeRange(schema);
    case 'number':
      return (plural ? 'numbers' : 'a number') + describeRange(schema);
    case 'string':
      if (schema.minLength !== undefined && schema.minLength > 0) {
        return plural ? 'non-empty strings' : 'a non-empty string';
      }
      return plural ? 'strings' : 'a string';
    case 'boolean':
      return plural ? 'true or false values' : 'true or false';
    case 'object':
      return plural ? 'objects' : 'an object';
    case 'array':
      return plural ? 'lists' : describeList(schema);
    default:
      return type;
  }
}

function describeRange(schema: SchemaObject): string {
  const bounds: string[] = [];
  if (schema.minimum !== undefined) bounds.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) bounds.push(`<= ${schema.maximum}`);
  if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${schema.exclusiveMaximum}`);
  return bounds.length > 0 ? ' ' + bounds.join(' and ') : '';
}

function describeList(schema: SchemaObject): string {
  const items = describeExpected(schema.items, true);
  const distinct = schema.uniqueItems ? 'distinct ' : '';
  if (schema.minItems !== undefined && schema.minItems === schema.maxItems) {
    return `a list of ${schema.minItems} ${distinct}${items}`;
  }
  if (schema.minItems === 1 && schema.maxItems === undefined) {
    return `a non-empty list of ${distinct}${items}`;
  }
  return `a list of ${distinct}${items}`;
}

/** Describes a value found in the file: strings and numbers as written, containers by kind. */
export function describeFound(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return 'an empty list';
    }
    return `a list of ${value.length} ${value.length === 1 ? 'item' : 'items'}`;
  }
  if (isRecord(value)) {
    return 'an object';
  }
  const written = formatJson(value);
  return written.length > 40 ? written.slice(0, 37) + '..."' : written;
}

function typeFix(schema: SchemaObject, key: string | undefined, data: unknown): string {
  const types = typesOf(resolveRef(schema));
  const isNumeric = types.includes('number') || types.includes('integer');

  if (isNumeric && typeof data === 'string' && data.trim() !== '' && Number.isFinite(Number(data))) {
    return `Remove the quotes: ${assignment(key, Number(data))}.`;
  }
  if (types.includes('boolean') && (data === 'true' || data === 'false')) {
    return `Remove the quotes: ${assignment(key, data === 'true')}.`;
  }
  if (types.includes('integer') && typeof data === 'number') {
    return withExample('Write a whole number', schema, key);
  }
  if (isNumeric) {
    return withExample('Write a number', schema, key);
  }
  if (types.includes('boolean')) {
    return withExample('Write true or false', schema, key);
  }
  if (types.includes('string')) {
    const quoted = typeof data === 'number' || typeof data === 'boolean' ? String(data) : exampleFor(schema);
    return quoted === undefined ? 'Write a string in double quotes.' : `Write a string in double quotes, e.g. ${assignment(key, quoted)}.`;
  }
  if (types.includes('array')) {
    const isScalar = typeof data === 'number' || typeof data === 'string' || typeof data === 'boolean';
    if (isScalar) {
      return `Write a list in square brackets, e.g. ${assignment(key, [data])}.`;
    }
    return withExample('Write a list in square brackets', schema, key);
  }
  if (types.includes('object')) {
    return withExample('Write an object in curly braces', schema, key);
  }
  return '';
}

function rangeFix(schema: SchemaObject, key: string | undefined): string {
  const example = exampleFor(schema);
  const exampleFits = typeof example === 'number' && isInRange(example, schema);
  return exampleFits ? `Change it to a value in that range, e.g. ${assignment(key, example)}.` : 'Change it to a value in that range.';
}

function isInRange(value: number, schema: SchemaObject): boolean {
  return (
    (schema.minimum === undefined || value >= schema.minimum) &&
    (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum) &&
    (schema.maximum === undefined || value <= schema.maximum) &&
    (schema.exclusiveMaximum === undefined || value < schema.exclusiveMaximum)
  );
}

function withExample(instruction: string, schema: SchemaNode | undefined, key: string | undefined): string {
  const example = exampleFor(schema);
  return example === undefined ? `${instruction}.` : `${instruction}, e.g. ${assignment(key, example)}.`;
}

/** Picks a value to show in a fix: the schema's first example, its default, or its first allowed value. */
export function exampleFor(node: SchemaNode | undefined): unknown {
  if (!isSchemaObject(node)) {
    return undefined;
  }
  for (const schema of [node, resolveRef(node)]) {
    if (schema.examples && schema.examples.length > 0) return schema.examples[0];
    if (schema.default !== undefined) return schema.default;
    if (schema.enum && schema.enum.length > 0) return schema.enum[0];
    if (schema.const !== undefined) return schema.const;
  }
  const types = typesOf(resolveRef(node));
  if (types.includes('object')) return {};
  if (types.includes('array')) return [];
  return undefined;
}

function assignment(key: string | undefined, value: unknown): string {
  const written = value === undefined ? '...' : formatJson(value);
  return key === undefined ? written : `"${key}": ${written}`;
}

/** Writes a value as JSON on one line, with a space after colons and commas as people write it. */
export function formatJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(formatJson).join(', ')}]`;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}: ${formatJson(item)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value) ?? String(value);
}

function quoteList(names: string[]): string {
  const quoted = names.map((name) => `"${name}"`);
  if (quoted.length <= 1) {
    return quoted.join('');
  }
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/**
 * Returns the allowed string closest to `written` when it is a likely typo: the same letters in
 * another case, or an edit distance of at most a third of its length (at least 1).
 */
export function suggestValue(written: string, allowed: readonly unknown[]): string | undefined {
  const candidates = allowed.filter((value): value is string => typeof value === 'string' && value !== written);
  const lower = written.toLowerCase();
  const sameLetters = candidates.find((candidate) => candidate.toLowerCase() === lower);
  if (sameLetters !== undefined) {
    return sameLetters;
  }

  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const candidateDistance = distance(lower, candidate.toLowerCase());
    if (candidateDistance < bestDistance) {
      best = candidate;
      bestDistance = candidateDistance;
    }
  }
  const maxDistance = Math.max(1, Math.floor(written.length / 3));
  return bestDistance <= maxDistance ? best : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
