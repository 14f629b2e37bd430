import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';

import { isConfigFileName, orderConfigCandidates, runsDirFor } from '../../../src/extension/runs/configDiscovery';

test('isConfigFileName cases', () => {
  const cases: [string, boolean][] = [
    ['distill.json', true],
    ['hinton.distill.json', true],
    ['a.b.distill.json', true],
    ['/workspace/examples/distill.json', true],
    ['C:\\workspace\\quick.distill.json', true],
    ['.distill.json', false],
    ['distill.jsonc', false],
    ['mydistill.json', false],
    ['Distill.json', false],
    ['distill.json.bak', false],
    ['/workspace/distill.json/notes.txt', false],
    ['', false],
  ];
  for (const [fileName, expected] of cases) {
    assert.equal(isConfigFileName(fileName), expected, fileName);
  }
});

test('orderConfigCandidates puts the active editor first', () => {
  const paths = ['/w/z/distill.json', '/w/a.distill.json', '/w/m/distill.json'];

  assert.deepEqual(orderConfigCandidates(paths, '/w/m/distill.json'), ['/w/m/distill.json', '/w/a.distill.json', '/w/z/distill.json']);
  assert.deepEqual(orderConfigCandidates(paths, '/w/m/../m/distill.json'), ['/w/m/distill.json', '/w/a.distill.json', '/w/z/distill.json']);
  assert.deepEqual(orderConfigCandidates(paths), ['/w/a.distill.json', '/w/m/distill.json', '/w/z/distill.json']);
  assert.deepEqual(orderConfigCandidates(paths, '/w/other.ts'), ['/w/a.distill.json', '/w/m/distill.json', '/w/z/distill.json']);
  assert.deepEqual(orderConfigCandidates([...paths, '/w/a.distill.json']), ['/w/a.distill.json', '/w/m/distill.json', '/w/z/distill.json']);
  assert.deepEqual(orderConfigCandidates([], '/w/a.distill.json'), []);
});

test('runsDirFor a workspace folder', () => {
  assert.equal(runsDirFor('/workspace'), path.join('/workspace', '.distill', 'runs'));
});
