// The `sweep` section of a config: schema errors, semantic checks, defaults and grid expansion.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseConfig } from '../../src/config/parse';
import { formatProblem, type ConfigProblem } from '../../src/config/problems';
import { childConfig, expandSweep, resolveConcurrency, threadsPerWorker } from '../../src/config/sweep';
import { isRunStartRequest } from '../../src/protocol/messages';

const configPath = '/experiments/sweep.distill.json';

function onlyProblem(text: string): ConfigProblem {
  const { problems } = parseConfig(text, configPath);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => formatProblem(p, configPath)).join('\n')}`);
  return problems[0];
}

test('sweep resolves lists and concurrency', () => {
  const { config, problems } = parseConfig('{ "sweep": { "temperature": [1, 2, 5, 10, 20], "softWeight": [0.5, 0.9] } }', configPath);

  assert.deepEqual(problems, []);
  assert.deepEqual(config?.sweep, { temperature: [1, 2, 5, 10, 20], softWeight: [0.5, 0.9], concurrency: 0 });
});

test('missing list takes config value', () => {
  const { config } = parseConfig('{ "distillation": { "temperature": 8, "softWeight": 0.7 }, "sweep": { "concurrency": 3 } }', configPath);

  assert.deepEqual(config?.sweep, { temperature: [8], softWeight: [0.7], concurrency: 3 });
});

test('config without sweep has none', () => {
  const { config } = parseConfig('{}', configPath);

  assert.equal(config?.sweep, undefined);
});

test('empty temperature list is located', () => {
  const problem = onlyProblem('{ "sweep": { "temperature": [] } }');

  assert.equal(problem.severity, 'error');
  assert.equal(problem.path, '/sweep/temperature');
  assert.equal(problem.line, 1);
  assert.equal(problem.column, 29);
});

test('non-positive temperature is located', () => {
  const problem = onlyProblem('{ "sweep": { "temperature": [2, 0] } }');

  assert.equal(problem.severity, 'error');
  assert.equal(problem.path, '/sweep/temperature/1');
  assert.match(problem.message, /> 0|greater than 0|above 0/);
});

test('soft weight above one is located', () => {
  const problem = onlyProblem('{ "sweep": { "softWeight": [0.5, 1.5] } }');

  assert.equal(problem.severity, 'error');
  assert.equal(problem.path, '/sweep/softWeight/1');
});

test('negative soft weight is located', () => {
  const problem = onlyProblem('{ "sweep": { "softWeight": [-0.1] } }');

  assert.equal(problem.path, '/sweep/softWeight/0');
});

test('duplicate temperature is located', () => {
  const problem = onlyProblem('{ "sweep": { "temperature": [2, 5, 2] } }');

  assert.equal(problem.severity, 'error');
  assert.equal(problem.path, '/sweep/temperature/2');
  assert.match(problem.message, /listed twice/);
});

test('negative concurrency is located', () => {
  const problem = onlyProblem('{ "sweep": { "temperature": [2, 4], "concurrency": -1 } }');

  assert.equal(problem.severity, 'error');
  assert.equal(problem.path, '/sweep/concurrency');
});

test('unknown sweep field is rejected', () => {
  const problem = onlyProblem('{ "sweep": { "temperatures": [2] } }');

  assert.equal(problem.severity, 'error');
  assert.match(problem.message, /temperature/);
});

test('zero soft weight without labels', () => {
  const problem = onlyProblem('{ "transfer": { "labels": false }, "sweep": { "softWeight": [0.5, 0] } }');

  assert.equal(problem.severity, 'error');
  assert.equal(problem.path, '/sweep/softWeight/1');
  assert.match(problem.message, /learns nothing/);
});

test('logit matching sweep warns', () => {
  const problem = onlyProblem('{ "distillation": { "loss": "logit-mse" }, "sweep": { "temperature": [2, 4] } }');

  assert.equal(problem.severity, 'warning');
  assert.equal(problem.path, '/sweep/temperature');
});

test('swept soft weight warns on hardWeight', () => {
  const problem = onlyProblem('{ "distillation": { "hardWeight": 0.5 }, "sweep": { "softWeight": [0.5, 0.9] } }');

  assert.equal(problem.severity, 'warning');
  assert.equal(problem.path, '/distillation/hardWeight');
  assert.match(problem.message, /1 - softWeight, so this 0\.5 is not used/);
});

test('hardWeight kept without swept soft weight', () => {
  const { problems } = parseConfig('{ "distillation": { "hardWeight": 0.5 }, "sweep": { "temperature": [2, 4] } }', configPath);

  assert.deepEqual(problems, []);
});

test('empty sweep warns', () => {
  const problem = onlyProblem('{ "sweep": {} }');

  assert.equal(problem.severity, 'warning');
  assert.equal(problem.path, '/sweep');
});

test('grid is temperature major', () => {
  const points = expandSweep({ temperature: [1, 5], softWeight: [0.5, 0.9], concurrency: 0 });

  assert.deepEqual(points, [
    { index: 0, temperature: 1, softWeight: 0.5, hardWeight: 0.5 },
    { index: 1, temperature: 1, softWeight: 0.9, hardWeight: 0.1 },
    { index: 2, temperature: 5, softWeight: 0.5, hardWeight: 0.5 },
    { index: 3, temperature: 5, softWeight: 0.9, hardWeight: 0.1 },
  ]);
});

test('child config carries its values', () => {
  const { config } = parseConfig('{ "distillation": { "loss": "kl" }, "sweep": { "temperature": [3], "softWeight": [0.7] } }', configPath);
  assert.ok(config);
  const [point] = expandSweep(config.sweep!);

  const child = childConfig(config, point);

  assert.equal(child.sweep, undefined);
  assert.equal(child.distillation.temperature, 3);
  assert.equal(child.distillation.softWeight, 0.7);
  assert.equal(child.distillation.hardWeight, 0.3);
  assert.equal(child.distillation.loss, 'kl');
  assert.ok(config.sweep, 'the parent keeps its sweep');
});

test('concurrency zero means cores', () => {
  assert.equal(resolveConcurrency(0, 6), 6);
  assert.equal(resolveConcurrency(2, 6), 2);
  assert.equal(resolveConcurrency(0, 0), 1);
});

test('threads split the cores', () => {
  const cases: { cores: number; processes: number; requested?: number; expected: number }[] = [
    { cores: 2, processes: 2, expected: 1 },
    { cores: 2, processes: 1, expected: 2 },
    { cores: 8, processes: 3, expected: 2 },
    { cores: 2, processes: 5, expected: 1 },
    { cores: 8, processes: 2, requested: 2, expected: 2 },
    { cores: 8, processes: 2, requested: 6, expected: 4 },
    { cores: 4, processes: 0, expected: 4 },
    { cores: 0, processes: 1, expected: 1 },
  ];
  for (const { cores, processes, requested, expected } of cases) {
    const threads = threadsPerWorker(cores, processes, requested);
    assert.equal(threads, expected, `${cores} cores, ${processes} processes, ${requested ?? 'no'} threads requested`);
    assert.ok(threads * Math.max(1, processes) <= Math.max(cores, Math.max(1, processes)), `${cores} cores oversubscribed by ${processes} × ${threads}`);
  }
});

test('start request threads validated', () => {
  const base = { type: 'run/start', configText: '{}', configPath: '/w/distill.json', runsDir: '/w/.distill/runs' };
  assert.ok(isRunStartRequest({ ...base, threads: 0 }));
  assert.ok(isRunStartRequest({ ...base, threads: 3 }));
  assert.ok(!isRunStartRequest({ ...base, threads: -1 }));
  assert.ok(!isRunStartRequest({ ...base, threads: 1.5 }));
  assert.ok(!isRunStartRequest({ ...base, threads: '2' }));
});

test('start request sweep field validated', () => {
  const base = { type: 'run/start', configText: '{}', configPath: '/w/distill.json', runsDir: '/w/.distill/runs' };
  const membership = { sweepId: 's1', index: 0, temperature: 2, softWeight: 0.9, hardWeight: 0.1 };

  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'shared', sweepId: 's1', sweepDir: '/w/.distill/sweeps/s1' } }), true);
  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'child', sweepDir: '/w/.distill/sweeps/s1', membership } }), true);
  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'shared', sweepDir: '/w/s1' } }), false, 'shared stage without id');
  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'child', sweepDir: '/w/s1' } }), false, 'child without membership');
  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'child', sweepDir: '/w/s1', membership: { ...membership, temperature: 0 } } }), false, 'temperature 0');
  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'child', sweepDir: '/w/s1', membership: { ...membership, index: -1 } } }), false, 'negative index');
  assert.equal(isRunStartRequest({ ...base, sweep: { stage: 'other', sweepDir: '/w/s1' } }), false, 'unknown stage');
  assert.equal(isRunStartRequest({ ...base, sweep: 'shared' }), false, 'not an object');
});
