// Finds the text range of a JSON pointer in a jsonc-parser tree, so problems point at the right spot.

import type { Node as JsonNode } from 'jsonc-parser';

import type { TextRange } from './problems';

export type PathSegment = string | number;

/** Splits a JSON pointer (RFC 6901) into its unescaped segments. */
export function pointerToSegments(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Joins segments into a JSON pointer, escaping `~` and `/`. */
export function segmentsToPointer(segments: readonly PathSegment[]): string {
  return segments.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** Returns the property node of `key` in an object node. A repeated key gives its last property, because JSON.parse keeps the last value. */
export function findProperty(objectNode: JsonNode, key: string): JsonNode | undefined {
  let found: JsonNode | undefined;
  for (const property of objectNode.children ?? []) {
    if (property.children?.[0]?.value === key) {
      found = property;
    }
  }
  return found;
}

function childValueNode(node: JsonNode, segment: string): JsonNode | undefined {
  if (node.type === 'object') {
    return findProperty(node, segment)?.children?.[1];
  }
  if (node.type === 'array' && /^\d+$/.test(segment)) {
    return node.children?.[Number(segment)];
  }
  return undefined;
}

/** Returns the value node at a JSON pointer, or undefined when the text has no value there. */
export function findValueNode(root: JsonNode | undefined, pointer: string): JsonNode | undefined {
  let node = root;
  for (const segment of pointerToSegments(pointer)) {
    if (!node) {
      return undefined;
    }
    node = childValueNode(node, segment);
  }
  return node;
}

/** Returns the deepest value node on the way to a pointer, for values the text does not contain. */
function deepestNodeOnPath(root: JsonNode, pointer: string): JsonNode {
  let node = root;
  for (const segment of pointerToSegments(pointer)) {
    const child = childValueNode(node, segment);
    if (!child) {
      break;
    }
    node = child;
  }
  return node;
}

function rangeOf(node: JsonNode): TextRange {
  return { offset: node.offset, length: node.length };
}

/** Range of the key naming this value node, when the value is a property value. */
function keyOf(node: JsonNode): TextRange | undefined {
  const parent = node.parent;
  if (parent?.type === 'property' && parent.children?.[1] === node && parent.children[0]) {
    return rangeOf(parent.children[0]);
  }
  return undefined;
}

/** Range of the value at `pointer`, or of the nearest written ancestor's key when the text has no such value. */
export function valueRange(root: JsonNode, pointer: string): TextRange {
  const node = findValueNode(root, pointer);
  if (node) {
    return rangeOf(node);
  }
  return containerRange(root, deepestNodeOnPath(root, pointer));
}

/** Range of the key of the property at `pointer` (e.g. an unknown field's name); the value for array items. */
export function keyRange(root: JsonNode, pointer: string): TextRange {
  const node = findValueNode(root, pointer);
  if (node) {
    return keyOf(node) ?? rangeOf(node);
  }
  return containerRange(root, deepestNodeOnPath(root, pointer));
}

/** Range that stands for an object or list as a whole: the key that names it, else the value itself when it fits on one line, else its opening bracket. */
export function containerRange(root: JsonNode, node: JsonNode, text?: string): TextRange {
  const key = keyOf(node);
  if (key) {
    return key;
  }
  const spansLines = text !== undefined && /[\r\n]/.test(text.slice(node.offset, node.offset + node.length));
  if (node === root || spansLines) {
    return { offset: node.offset, length: 1 };
  }
  return rangeOf(node);
}

/** Range of the object at `pointer` as a whole, see containerRange. */
export function objectRange(root: JsonNode, pointer: string, text: string): TextRange {
  const node = findValueNode(root, pointer) ?? deepestNodeOnPath(root, pointer);
  return containerRange(root, node, text);
}
