// Pure helpers of the VS Code extension: number and date formatting, Markdown escaping, problem
// ranges, settings and the coalescing timer.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  createSourceLocalizer,
  describeModelSpec,
  escapeMarkdown,
  escapeTableCell,
  firstLine,
  formatCount,
  formatDuration,
  formatPercent,
} from '../../src/extension/format';
import { toZeroBasedRange } from '../../src/extension/problemRanges';
import { backendOverride, DEFAULT_SETTINGS, parseSettings, threadsOverride } from '../../src/extension/settings';
import { CoalescingTimer } from '../../src/extension/throttle';
import { parseConfig } from '../../src/config/parse';

const english = createSourceLocalizer('en');
const french = createSourceLocalizer('fr');

test('source localizer fills placeholders', () => {
  assert.equal(english.t('{0} vs {1} errors', 74, 146), '74 vs 146 errors');
  assert.equal(english.t('{1} before {0}', 'a', 'b'), 'b before a');
  assert.equal(english.t('missing {2}', 'a'), 'missing {2}');
});

test('counts and percentages follow the language', () => {
  assert.equal(formatCount(10000, english), '10,000');
  // French groups digits with a narrow no-break space.
  assert.equal(formatCount(10000, french).replace(/\s/g, ' '), '10 000');
  assert.equal(formatPercent(0.9823, english), '98.23%');
  assert.equal(formatPercent(0.9823, french).replace(/\s/g, ' '), '98,23 %');
  assert.equal(formatPercent(0.5, english, 0), '50%');
});

test('invalid language tag falls back to English', () => {
  const broken = createSourceLocalizer('not a language tag!');
  assert.equal(formatCount(1234, broken), '1,234');
});

test('durations under and over a minute', () => {
  assert.equal(formatDuration(12.34, english), '12.3 s');
  assert.equal(formatDuration(245, english), '4 min 05 s');
  assert.equal(formatDuration(60, english), '1 min 00 s');
});

test('markdown escaping keeps text literal', () => {
  assert.equal(escapeMarkdown('a_b*c'), 'a\\_b\\*c');
  assert.equal(escapeMarkdown('[link](x)'), '\\[link\\]\\(x\\)');
  assert.equal(escapeTableCell('a|b\nc'), 'a\\|b c');
});

test('first line of a multi-line message', () => {
  assert.equal(firstLine('one\ntwo'), 'one');
  assert.equal(firstLine('one\r\ntwo'), 'one');
  assert.equal(firstLine('single'), 'single');
});

test('model spec descriptions', () => {
  assert.equal(describeModelSpec({ type: 'mlp', hidden: [1200, 1200], activation: 'relu', dropout: 0.5, inputDropout: 0.2 }, english), 'MLP 1200×1200');
  assert.equal(describeModelSpec({ type: 'mlp', hidden: [], activation: 'relu', dropout: 0, inputDropout: 0 }, english), 'MLP without hidden layers');
  assert.equal(
    describeModelSpec({ type: 'cnn', layers: [{ type: 'maxPool', poolSize: 2 }, { type: 'dense', units: 10, activation: 'relu' }] }, english),
    'CNN, 2 layers',
  );
});

test('problem ranges become 0-based', () => {
  const range = toZeroBasedRange({ message: 'm', severity: 'error', line: 3, column: 28, endLine: 3, endColumn: 33 });
  assert.deepEqual(range, { startLine: 2, startCharacter: 27, endLine: 2, endCharacter: 32 });
});

test('problem range across lines', () => {
  const range = toZeroBasedRange({ message: 'm', severity: 'error', line: 2, column: 5, endLine: 4, endColumn: 2 });
  assert.deepEqual(range, { startLine: 1, startCharacter: 4, endLine: 3, endCharacter: 1 });
});

test('problem range of a real config error', () => {
  const text = '{\n  "teacher": {\n    "train": { "epochs": "ten" }\n  }\n}\n';
  const { problems } = parseConfig(text, '/tmp/distill.json');
  const problem = problems.find((candidate) => candidate.path === '/teacher/train/epochs');
  assert.ok(problem !== undefined, `no problem at /teacher/train/epochs: ${JSON.stringify(problems)}`);

  const range = toZeroBasedRange(problem);
  const lines = text.split('\n');
  assert.equal(range.startLine, 2);
  assert.equal(lines[range.startLine].slice(range.startCharacter, range.endCharacter), '"ten"');
});

test('empty range stays empty', () => {
  const range = toZeroBasedRange({ message: 'm', severity: 'error', line: 1, column: 1, endLine: 1, endColumn: 1 });
  assert.deepEqual(range, { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 0 });
});

test('settings defaults when unset', () => {
  assert.deepEqual(parseSettings(() => undefined), DEFAULT_SETTINGS);
});

test('settings out of range fall back', () => {
  const values: Record<string, unknown> = { maxConcurrentRuns: 0, defaultBackend: 'gpu', cancelGraceSeconds: -1, threads: -1 };
  assert.deepEqual(parseSettings((key) => values[key]), DEFAULT_SETTINGS);
  const fractional: Record<string, unknown> = { maxConcurrentRuns: 1.5 };
  assert.equal(parseSettings((key) => fractional[key]).maxConcurrentRuns, 1);
});

test('settings valid values kept', () => {
  const values: Record<string, unknown> = { maxConcurrentRuns: 3, defaultBackend: 'wasm', cancelGraceSeconds: 0, threads: 2 };
  assert.deepEqual(parseSettings((key) => values[key]), { maxConcurrentRuns: 3, defaultBackend: 'wasm', cancelGraceSeconds: 0, threads: 2 });
});

test('fractional threads setting falls back', () => {
  const values: Record<string, unknown> = { threads: 1.5 };
  assert.equal(parseSettings((key) => values[key]).threads, 0);
});

test('threads override only when positive', () => {
  assert.equal(threadsOverride(0), undefined);
  assert.equal(threadsOverride(3), 3);
});

test('backend override only when not config', () => {
  assert.equal(backendOverride('config'), undefined);
  assert.equal(backendOverride('cpu'), 'cpu');
  assert.equal(backendOverride('auto'), 'auto');
});

test('coalescing timer merges a burst', async () => {
  let runs = 0;
  const timer = new CoalescingTimer(() => {
    runs += 1;
  }, 20);
  timer.schedule();
  timer.schedule();
  timer.schedule();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(runs, 1);

  timer.schedule();
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(runs, 2);
  timer.dispose();
});

test('coalescing timer flush and dispose', async () => {
  let runs = 0;
  const timer = new CoalescingTimer(() => {
    runs += 1;
  }, 1000);
  timer.flush();
  assert.equal(runs, 0, 'flush without a scheduled action runs nothing');
  timer.schedule();
  timer.flush();
  assert.equal(runs, 1);

  timer.schedule();
  timer.dispose();
  timer.schedule();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(runs, 1, 'a disposed timer runs nothing');
});
