// The sweep example must run without the warnings that the CLI prints for a config mistake.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { parseConfig } from '../../src/config/parse';
import { formatProblem } from '../../src/config/problems';

test('sweep example has no warnings', () => {
  const configPath = path.resolve(__dirname, '..', '..', 'examples', 'sweep-mnist', 'distill.json');

  const { config, problems } = parseConfig(readFileSync(configPath, 'utf8'), configPath);

  assert.ok(config?.sweep, 'the example is a sweep');
  assert.deepEqual(problems.map((problem) => formatProblem(problem, configPath)), []);
});
