// Reads a distill.json / *.distill.json file (JSON with comments and trailing commas), validates
// it against schema/distill.schema.json and the checks in checks.ts, and fills in the defaults.

import { readFileSync } from 'node:fs';

import {
  getLocation,
  getNodePath,
  getNodeValue,
  parseTree,
  printParseErrorCode,
  type Node as JsonNode,
  type ParseError,
} from 'jsonc-parser';

import { checkSemantics, checkWrittenFiles } from './checks';
import { resolveConfig, type ConfigInput } from './defaults';
import { segmentsToPointer } from './locate';
import { createProblem, hasErrors, sortProblems, type ConfigProblem } from './problems';
import { getConfigValidator } from './schema';
import { problemsFromSchemaErrors, suggestValue } from './schemaErrors';
import type { DistillConfig } from './types';

export { checkConfigFiles } from './checks';

export interface ParsedConfig {
  /** The resolved config, absent when any problem is an error. */
  config?: DistillConfig;
  /** Errors and warnings, in file order. */
  problems: ConfigProblem[];
}

const PARSE_OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

/**
 * Parses and validates the text of a config file, then fills in every default. `filePath` names
 * the file in the default experiment name and is the base of relative data paths, which the
 * resolved config stores as absolute paths. Files on disk are not checked here: see
 * checkConfigText, which checks them in the same pass.
 */
export function parseConfig(text: string, filePath: string): ParsedConfig {
  return analyzeConfig(text, filePath, false);
}

/**
 * Parses and validates the text of a config file like parseConfig, and checks in the same pass
 * that the data and model files it names exist. Every problem that needs no data is listed at
 * once, so a missing file is reported next to the schema errors instead of after them.
 */
export function checkConfigText(text: string, filePath: string): ParsedConfig {
  return analyzeConfig(text, filePath, true);
}

/**
 * Reads a config file and checks it with checkConfigText. Throws the file system's error when
 * the config file itself cannot be read.
 */
export function loadConfigFile(filePath: string): ParsedConfig & { text: string } {
  const text = readFileSync(filePath, 'utf8');
  return { ...checkConfigText(text, filePath), text };
}

function analyzeConfig(text: string, filePath: string, checkFiles: boolean): ParsedConfig {
  const syntaxErrors: ParseError[] = [];
  const root = parseTree(text, syntaxErrors, PARSE_OPTIONS);
  if (syntaxErrors.length > 0 || !root) {
    // After the first syntax error jsonc-parser's recovery reports follow-on errors at the
    // wrong places, so only the first one is reliable.
    return { problems: [syntaxProblem(text, root, syntaxErrors[0])] };
  }

  const value: unknown = getNodeValue(root);
  const validate = getConfigValidator();
  const schemaProblems = validate(value) ? [] : problemsFromSchemaErrors(validate.errors ?? [], root, text);
  const valueProblems = [...duplicateKeyProblems(root, text), ...schemaProblems, ...checkSemantics(value, root, text)];
  // A path that already has a problem (e.g. a duplicate key) is not checked on disk as well.
  const reported = new Set(valueProblems.map((problem) => problem.path));
  const fileProblems = checkFiles ? checkWrittenFiles(value, root, text, filePath).filter((problem) => !reported.has(problem.path)) : [];
  const problems = sortProblems([...valueProblems, ...fileProblems]);

  if (hasErrors(problems)) {
    return { problems };
  }
  // The schema accepted `value`, so it has the shape that ConfigInput describes.
  return { config: resolveConfig(value as ConfigInput, filePath), problems };
}

/** Reports keys written twice in one object. JSON allows them and keeps the last value, which in a config hides a mistake. */
function duplicateKeyProblems(root: JsonNode, text: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const visit = (node: JsonNode) => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const key = property.children?.[0];
        if (key && typeof key.value === 'string') {
          if (seen.has(key.value)) {
            const pointer = segmentsToPointer(getNodePath(key));
            const message =
              `${pointer}: field "${key.value}" is written twice in this object, and only the last value counts. ` +
              'Remove one of them.';
            problems.push(createProblem(text, { offset: key.offset, length: key.length }, pointer, message));
          }
          seen.add(key.value);
        }
      }
    }
    for (const child of node.children ?? []) {
      visit(child);
    }
  };
  visit(root);
  return problems;
}

// ---- JSON syntax errors in plain words ----

function syntaxProblem(text: string, root: JsonNode | undefined, error: ParseError | undefined): ConfigProblem {
  if (!error || (printParseErrorCode(error.error) === 'ValueExpected' && !root)) {
    return createProblem(
      text,
      { offset: 0, length: 0 },
      '',
      'the file contains no JSON value. Write a JSON object: {} uses every default.',
    );
  }
  const segments = getLocation(text, error.offset).path.filter((segment) => segment !== '');
  const message = `invalid JSON: ${describeSyntaxError(text, root, error)}`;
  return createProblem(text, { offset: error.offset, length: error.length }, segmentsToPointer(segments), message);
}

/** Words for the token at an error: `"batchSize"`, `}`, or `the end of the file`. */
function describeToken(text: string, error: ParseError): string {
  if (error.offset >= text.length) {
    return 'the end of the file';
  }
  const token = error.length > 0 ? text.substr(error.offset, error.length) : text[error.offset];
  return token.length > 30 ? token.slice(0, 27) + '...' : token;
}

function describeSyntaxError(text: string, root: JsonNode | undefined, error: ParseError): string {
  const token = text.substr(error.offset, error.length);
  const found = describeToken(text, error);
  const atEnd = error.offset >= text.length;

  switch (printParseErrorCode(error.error)) {
    case 'InvalidSymbol':
      return describeInvalidSymbol(text, root, error, token);
    case 'InvalidNumberFormat':
      return `invalid number ${token}. Write numbers as JSON does, e.g. 0.5 or 1e-3.`;
    case 'PropertyNameExpected':
      if (found === ',') {
        return 'expected a field name, found a second comma. Remove the extra comma.';
      }
      return `expected a field name in double quotes, found ${found}.`;
    case 'ValueExpected':
      if (atEnd) {
        return 'the file ends where a value is expected. Write the value and close every open { and [.';
      }
      if (found === ',') {
        return 'expected a value, found a comma. Write the missing value, or remove the extra comma.';
      }
      return `expected a value, found ${found}. Write a value, or remove the field.`;
    case 'ColonExpected':
      return `expected a colon after the field name, found ${found}. Write "name": value.`;
    case 'CommaExpected':
      return describeMissingComma(text, error, found);
    case 'CloseBraceExpected':
      if (atEnd) {
        return 'the file ends before the closing } of an object. Add the missing }.';
      }
      return `expected a comma or the closing } of the object, found ${found}.`;
    case 'CloseBracketExpected':
      if (atEnd) {
        return 'the file ends before the closing ] of a list. Add the missing ].';
      }
      return `expected a comma or the closing ] of the list, found ${found}.`;
    case 'EndOfFileExpected':
      return `found ${found} after the end of the config object. A config file contains one JSON object: remove the extra text.`;
    case 'InvalidCommentToken':
      return 'invalid comment. Comments start with // or /*.';
    case 'UnexpectedEndOfComment':
      return 'the comment is not closed. End it with */.';
    case 'UnexpectedEndOfString':
      return 'the string is not closed. End it with a double quote on the same line.';
    case 'UnexpectedEndOfNumber':
      return `the number ${token} is incomplete. Write digits after the decimal point or the exponent, e.g. 1.0 or 1e-3.`;
    case 'InvalidUnicode':
      return 'invalid \\u escape in a string. Write four hexadecimal digits after \\u, e.g. \\u00e9.';
    case 'InvalidEscapeCharacter':
      return `the string ${token} contains an invalid escape: in JSON a backslash starts an escape such as \\n. Write \\\\ for a backslash, or use / in paths.`;
    case 'InvalidCharacter':
      return 'invalid character in a string. Write tabs and line breaks as \\t and \\n.';
    default:
      return `unexpected ${found}.`;
  }
}

/** jsonc-parser reports a missing comma at the token after it, which is also where a wrong bracket or a leading zero shows. */
function describeMissingComma(text: string, error: ParseError, found: string): string {
  if (/^\d/.test(found) && text[error.offset - 1] === '0') {
    return `JSON numbers cannot start with 0, found 0${found}. Remove the leading zero.`;
  }
  if (found === '}' || found === ']') {
    const path = getLocation(text, error.offset).path;
    const insideList = typeof path[path.length - 1] === 'number';
    return insideList
      ? `expected a comma or the closing ] of the list, found ${found}.`
      : `expected a comma or the closing } of the object, found ${found}.`;
  }
  return `expected a comma before ${found}. Add a comma after the previous value.`;
}

/** Describes a word JSON does not know: single quotes, a field name without quotes, or a misspelt literal. */
function describeInvalidSymbol(text: string, root: JsonNode | undefined, error: ParseError, token: string): string {
  if (root && error.offset >= root.offset + root.length) {
    return `found ${token} after the end of the config object. A config file contains one JSON object: remove the extra text.`;
  }
  if (token.startsWith("'")) {
    return `found ${token}, but JSON strings and field names need double quotes. Write "${token.replace(/^'|'$/g, '')}".`;
  }
  if (/^[A-Za-z_$][\w$]*$/.test(token)) {
    if (getLocation(text, error.offset).isAtPropertyKey) {
      return `field names need double quotes. Write "${token}".`;
    }
    const literal = suggestValue(token, ['true', 'false', 'null']);
    if (literal !== undefined) {
      return `${token} is not a JSON value. Did you mean ${literal}?`;
    }
    return `${token} is not a JSON value. Write a number, a string in double quotes, true, false or null.`;
  }
  return `unexpected ${token}.`;
}
