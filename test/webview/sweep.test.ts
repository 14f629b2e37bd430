// The Sweep tab of the results webview in headless Chromium: the recorded mnist-quick run as a
// sweep child, then its sweep. A screenshot goes to test-output/webview/.
// Run: node --import tsx --test test/webview/sweep.test.ts
// Needs Debian's Chromium at /usr/bin/chromium; without it the test is skipped.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { chromium, type Page } from 'playwright-core';

import { EventsReader, readResultsSnapshot } from '../../src/extension/results/runFolder';
import type { ModelEvaluation, SweepSummary } from '../../src/protocol/messages';
import type { HostToWebviewMessage, PanelState } from '../../src/protocol/webview';
import { encodeMessage, postMessageScript, startHarness } from './harness';

const chromiumPath = '/usr/bin/chromium';
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const missingChromium = existsSync(chromiumPath) ? undefined : `Chromium is not installed at ${chromiumPath}; install Debian's chromium package to run the webview tests.`;

const repositoryRoot = path.resolve(__dirname, '../..');
const fixtureDir = path.join(repositoryRoot, 'test/fixtures/runs/mnist-quick');
const screenshotDir = path.join(repositoryRoot, 'test-output/webview');

function evaluation(role: ModelEvaluation['role'], errors: number): ModelEvaluation {
  return { role, accuracy: 1 - errors / 10000, errors, examples: 10000, perClassAccuracy: [], confusion: [], meanSoftened: [], parameters: 1, trainingSeconds: 1, inferenceMsPerExample: 0 };
}

/** The measured sweep-mnist grid, with one child still running. */
const sweep: SweepSummary = {
  sweepId: '20261205-000045-sweep-mnist',
  name: 'sweep-mnist',
  configPath: '/w/distill.json',
  status: 'running',
  startedAt: '2026-12-05T00:00:45.000Z',
  temperatures: [1, 2, 5],
  softWeights: [0.5, 0.9],
  concurrency: 2,
  children: [
    { index: 0, temperature: 1, softWeight: 0.5, hardWeight: 0.5, status: 'completed', errors: 612 },
    { index: 1, temperature: 1, softWeight: 0.9, hardWeight: 0.1, status: 'completed', errors: 600 },
    { index: 2, temperature: 2, softWeight: 0.5, hardWeight: 0.5, status: 'completed', errors: 509 },
    { index: 3, temperature: 2, softWeight: 0.9, hardWeight: 0.1, status: 'completed', errors: 485 },
    { index: 4, temperature: 5, softWeight: 0.5, hardWeight: 0.5, status: 'completed', errors: 422 },
    { index: 5, temperature: 5, softWeight: 0.9, hardWeight: 0.1, status: 'running' },
  ],
  teacher: evaluation('teacher', 234),
  baseline: evaluation('baseline', 707),
};

test('sweep tab in Chromium', { skip: missingChromium ?? false }, async () => {
  const build = spawnSync(process.execPath, ['scripts/build-webview.mjs'], { cwd: repositoryRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, `The webview build failed:\n${build.stdout}${build.stderr}`);
  mkdirSync(screenshotDir, { recursive: true });
  const runId = '20261204-210156-mnist-quick';
  const snapshot = readResultsSnapshot(runId, fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl')));
  const state: PanelState = { view: 'results', runId };

  const harness = await startHarness(repositoryRoot);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The page may load only from the test server; any other host is aborted.
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`console error: ${message.text()}`);
      }
    });
    await page.goto(harness.pageUrl(state, 'dark'));
    await waitUntil(page, "window.__posted.some((message) => message.type === 'webview/ready')");

    const post = (message: HostToWebviewMessage) => page.evaluate(postMessageScript(encodeMessage(message)));
    await post(snapshot);
    await page.waitForSelector(`#app[data-events="${snapshot.events.length}"]`, { timeout: 20_000 });
    assert.equal(await page.locator('[data-testid="tab-4"]').count(), 0, 'no Sweep tab before the sweep arrives');

    await post({ type: 'results/sweep', runId, sweep });
    await page.click('[data-testid="tab-4"]', { timeout: 10_000 });
    await page.waitForTimeout(300);

    const legend = await page.locator('[data-testid="sweep-chart"] .u-legend .u-series th').allTextContents();
    assert.deepEqual(legend.slice(1), ['soft weight 0.5', 'soft weight 0.9', 'teacher', 'baseline student']);
    const table = await page.locator('[data-testid="sweep-table"]').innerText();
    assert.match(table, /612/);
    assert.match(table, /running/);
    assert.match((await page.textContent('[data-testid="sweep-summary"]')) ?? '', /5 of 6 child runs completed/);
    // T = 1, 2, 5 on a log2 axis: ticks at the powers of 2 in range.
    assert.equal(await page.getAttribute('[data-testid="sweep-chart-plot"]', 'data-x-ticks'), '1 2 4');
    const best = page.locator('.sweep-table .best-cell');
    assert.equal(await best.count(), 1);
    assert.equal((await best.textContent())?.trim(), '422');
    assert.equal(await page.evaluate(`getComputedStyle(document.querySelector('.sweep-table .best-cell')).fontWeight`), '700');
    assert.match((await page.textContent('[data-testid="sweep-table-caption"]')) ?? '', /Bold: the fewest test errors/);
    const referenceDashes = await page.locator('[data-testid="sweep-chart"] .series-toggle svg line').evaluateAll((lines) => lines.map((line) => line.getAttribute('stroke-dasharray')));
    assert.deepEqual(referenceDashes, [null, null, '6 4', '6 4'], 'the teacher and baseline swatches are dashed like their lines');
    await page.screenshot({ path: path.join(screenshotDir, 'results-dark-sweep.png'), fullPage: true });

    const violations = (await page.evaluate('window.__cspViolations')) as string[];
    assert.deepEqual(violations, [], 'the page broke its Content Security Policy');
    assert.deepEqual(problems, [], 'the page logged errors');
  } finally {
    await browser.close();
    await harness.close();
  }
});

/** Polls a page expression until it is truthy; the page's CSP forbids page.waitForFunction's eval. */
async function waitUntil(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${expression}`);
    }
    await page.waitForTimeout(50);
  }
}
