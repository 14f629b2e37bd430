// The webview bundle in headless Chromium, on a test page that serves the host's HTML and CSP
// and feeds the recorded mnist-quick run (snapshot, then live events). Screenshots of every tab
// in a light and a dark theme go to test-output/webview/.
// Run: node --import tsx --test test/webview/results.test.ts
// Needs Debian's Chromium at /usr/bin/chromium; without it the tests are skipped.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { EventsReader, readCompareRun, readResultsSnapshot } from '../../src/extension/results/runFolder';
import type { RunProgressEvent } from '../../src/protocol/messages';
import type { CompareRun, HostToWebviewMessage, PanelState, ResultsSnapshotMessage } from '../../src/protocol/webview';
import { formatCount, formatDuration, formatFixed, formatNumber, formatPercent } from '../../src/webview/model/format';
import { compressionRatio, entropyBits, gapRecovered, meanSoftenedByClass, softmaxAt, sliderToTemperature, temperatureToSlider } from '../../src/webview/model/maths';
import { decodeSoftened, stepExample } from '../../src/webview/model/softened';
import { encodeMessage, postMessageScript, startHarness, type Harness, type PageLanguage, type ThemeName } from './harness';

const chromiumPath = '/usr/bin/chromium';
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const missingChromium = existsSync(chromiumPath) ? undefined : `Chromium is not installed at ${chromiumPath}; install Debian's chromium package to run the webview tests.`;

const repositoryRoot = path.resolve(__dirname, '../..');
const fixtureDir = path.join(repositoryRoot, 'test/fixtures/runs/mnist-quick');
const screenshotDir = path.join(repositoryRoot, 'test-output/webview');
const roles = ['teacher', 'distilled', 'baseline'] as const;
const tabNames = ['curves', 'soft-targets', 'accuracy', 'confusion'];

function fixtureSnapshot(runId = '20261204-210156-mnist-quick', runDir = fixtureDir): ResultsSnapshotMessage {
  const snapshot = readResultsSnapshot(runId, runDir, new EventsReader(path.join(runDir, 'events.jsonl')));
  assert.deepEqual(snapshot.warnings, []);
  return snapshot;
}

/** Hand-written runs derived from mnist-quick: an ensemble teacher, and a transfer set without 3s with bias adjustment. */
const ensembleRun = { runId: '20261205-010000-mnist-ensemble', runDir: path.join(repositoryRoot, 'test/fixtures/runs/mnist-ensemble') };
const biasRun = { runId: '20261205-011500-mnist-omit3', runDir: path.join(repositoryRoot, 'test/fixtures/runs/mnist-omit3') };

if (missingChromium !== undefined) {
  // A skipped test, not a skipped suite, so the runner's summary counts it as skipped.
  test('results webview in Chromium', { skip: missingChromium }, () => undefined);
}

describe('results webview in Chromium', { skip: missingChromium ?? false }, () => {
  const snapshot = fixtureSnapshot();
  const runId = snapshot.runId;
  const summary = snapshot.summary!;
  const decoded = decodeSoftened(snapshot.softened!);
  const resultsState: PanelState = { view: 'results', runId };

  let harness: Harness;
  let browser: Browser;
  let context: BrowserContext;
  const pageProblems = new Map<Page, string[]>();

  before(async () => {
    const build = spawnSync(process.execPath, ['scripts/build-webview.mjs'], { cwd: repositoryRoot, encoding: 'utf8' });
    assert.equal(build.status, 0, `The webview build failed:\n${build.stdout}${build.stderr}`);
    mkdirSync(screenshotDir, { recursive: true });

    harness = await startHarness(repositoryRoot);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The page may load only from the test server; any other host is aborted.
    await context.route('**/*', (route) => (new URL(route.request().url()).hostname === '127.0.0.1' ? route.continue() : route.abort()));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await harness?.close();
  });

  async function openPage(state: PanelState, theme: ThemeName = 'dark', language: PageLanguage = 'en'): Promise<Page> {
    const page = await context.newPage();
    const problems: string[] = [];
    pageProblems.set(page, problems);
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`console error: ${message.text()}`);
      }
    });
    await page.goto(harness.pageUrl(state, theme, language));
    await waitUntil(page, "window.__posted.some((message) => message.type === 'webview/ready')");
    return page;
  }

  /**
   * Polls a page expression until it is truthy. page.waitForFunction would evaluate a string
   * predicate with eval inside the page, which the page's CSP rightly forbids.
   */
  async function waitUntil(page: Page, expression: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await page.evaluate(expression))) {
      if (Date.now() > deadline) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${expression}`);
      }
      await page.waitForTimeout(50);
    }
  }

  async function post(page: Page, message: HostToWebviewMessage): Promise<void> {
    await page.evaluate(postMessageScript(encodeMessage(message)));
  }

  async function waitForEvents(page: Page, count: number): Promise<void> {
    await page.waitForSelector(`#app[data-events="${count}"]`, { timeout: 20_000 });
  }

  async function openFixture(theme: ThemeName = 'dark', run: ResultsSnapshotMessage = snapshot): Promise<Page> {
    const page = await openPage({ view: 'results', runId: run.runId }, theme);
    await post(page, run);
    await waitForEvents(page, run.events.length);
    return page;
  }

  async function selectTab(page: Page, index: number): Promise<void> {
    await page.click(`[data-testid="tab-${index}"]`);
    await page.waitForTimeout(150);
  }

  async function assertClean(page: Page): Promise<void> {
    const violations = (await page.evaluate('window.__cspViolations')) as string[];
    assert.deepEqual(violations, [], 'the page broke its Content Security Policy');
    assert.deepEqual(pageProblems.get(page), [], 'the page logged errors');
    const posted = (await page.evaluate('window.__posted')) as { type: string }[];
    assert.equal(posted.filter((message) => message.type === 'webview/error').length, 0, JSON.stringify(posted));
    await page.close();
  }

  async function cellTexts(page: Page, testId: string): Promise<string[][]> {
    return (await page.evaluate(`(() => {
      const rows = [];
      for (const cell of document.querySelectorAll('[data-testid="${testId}"] td')) {
        const row = Number(cell.dataset.row);
        (rows[row] ??= [])[Number(cell.dataset.column)] = cell.textContent;
      }
      return rows;
    })()`)) as string[][];
  }

  async function legendSeries(page: Page, chartId: string): Promise<string[]> {
    return page.locator(`[data-testid="${chartId}"] .u-legend .u-series th`).allTextContents();
  }

  test('ready, then live events build the curves', async () => {
    const page = await openPage(resultsState);
    const posted = (await page.evaluate('window.__posted')) as { type: string }[];
    assert.deepEqual(posted, [{ type: 'webview/ready' }]);

    // A live run: the snapshot has the first events only, the rest arrive in batches.
    const live: ResultsSnapshotMessage = { ...snapshot, status: 'running', summary: undefined, softened: undefined, events: snapshot.events.slice(0, 5) };
    await post(page, live);
    await waitForEvents(page, 5);
    const middle = 165;
    for (let start = 5; start < middle; start += 40) {
      await post(page, { type: 'results/events', runId, events: snapshot.events.slice(start, Math.min(start + 40, middle)) });
    }
    await waitForEvents(page, middle);
    await page.waitForTimeout(400);
    assert.equal(await page.textContent('[data-testid="run-status"]'), 'running');
    await page.screenshot({ path: path.join(screenshotDir, 'results-dark-live-curves.png'), fullPage: true });
    await selectTab(page, 1);
    await page.screenshot({ path: path.join(screenshotDir, 'results-dark-live-soft-targets.png'), fullPage: true });
    await selectTab(page, 0);

    for (let start = middle; start < snapshot.events.length; start += 40) {
      await post(page, { type: 'results/events', runId, events: snapshot.events.slice(start, start + 40) });
    }
    await post(page, { type: 'results/softened', runId, softened: snapshot.softened! });
    await waitForEvents(page, snapshot.events.length);
    await page.waitForTimeout(400);

    const lossSeries = await legendSeries(page, 'loss-chart');
    assert.deepEqual(lossSeries.slice(1), [
      'Teacher, per step',
      'Teacher, epoch mean',
      'Distilled total, per step',
      'Distilled total, epoch mean',
      'Distilled soft term (×T²)',
      'Distilled hard term',
      'Baseline, per step',
      'Baseline, epoch mean',
    ]);
    assert.deepEqual((await legendSeries(page, 'accuracy-chart')).slice(1), ['Teacher', 'Distilled', 'Baseline']);

    const progressEvents = snapshot.events.filter((event) => event.type === 'run/progress').length;
    assert.match((await page.textContent('.curves-tab')) ?? '', new RegExp(`${progressEvents} per-step loss points`));
    assert.equal(await page.textContent('[data-testid="run-status"]'), 'completed');
    const saved = (await page.evaluate('window.__getState()')) as { view: string; runId: string };
    assert.equal(saved.view, 'results');
    assert.equal(saved.runId, runId);
    await assertClean(page);
  });

  test('chart table lists every epoch', async () => {
    const page = await openFixture();
    await page.click('[data-testid="loss-chart-table"] >> xpath=.. >> vscode-button');
    const rows = await page.locator('[data-testid="loss-chart-table"] vscode-table-row').count();
    const epochEvents = snapshot.events.filter((event) => event.type === 'run/epoch').length;
    assert.equal(rows, epochEvents);
    assert.ok(await page.getAttribute('[data-testid="loss-chart-plot"]', 'aria-label'));
    await assertClean(page);
  });

  test('log scale and series toggles redraw the chart', async () => {
    const page = await openFixture();
    await page.click('[data-testid="loss-chart-log"]');
    await page.click('[data-testid="loss-chart-toggle-distilled-soft"]');
    await page.waitForTimeout(200);
    const saved = (await page.evaluate('window.__getState()')) as { ui: { charts: Record<string, { logScale: boolean; hidden: string[] }> } };
    // The loss chart starts on a log scale, so the click switches it off.
    assert.deepEqual(saved.ui.charts['loss-chart'], { logScale: false, hidden: ['distilled-soft'] });
    const hiddenRows = await page.locator('[data-testid="loss-chart"] .u-legend .u-series.u-off').count();
    assert.equal(hiddenRows, 1);

    // Keyboard zoom keeps the chart usable without a mouse.
    await page.focus('[data-testid="loss-chart-plot"]');
    await page.keyboard.press('+');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Home');
    await assertClean(page);
  });

  test('toggle swatches draw each series', async () => {
    const page = await openFixture();
    const swatches = async (chartId: string): Promise<{ key: string; label: string; stroke: string; width: string; dash: string }[]> =>
      (await page.evaluate(`[...document.querySelectorAll('[data-testid="${chartId}"] .series-toggle')].map((toggle) => {
        const line = toggle.querySelector('svg.series-swatch line');
        return {
          key: toggle.dataset.key,
          label: toggle.textContent.trim(),
          stroke: line?.getAttribute('stroke') ?? '',
          width: line?.getAttribute('stroke-width') ?? '',
          dash: line?.getAttribute('stroke-dasharray') ?? '',
        };
      })`)) as { key: string; label: string; stroke: string; width: string; dash: string }[];

    const loss = await swatches('loss-chart');
    assert.equal(loss.length, 8);
    // The toggle's text is the series label alone, as in uPlot's legend.
    assert.deepEqual(loss.map((swatch) => swatch.label), (await legendSeries(page, 'loss-chart')).slice(1));
    for (const swatch of loss) {
      assert.notEqual(swatch.stroke, '', `${swatch.key} swatch has a colour`);
      assert.notEqual(swatch.width, '', `${swatch.key} swatch has a width`);
    }
    const styles = loss.map((swatch) => `${swatch.stroke} ${swatch.width} ${swatch.dash}`);
    assert.equal(new Set(styles).size, loss.length, `every loss series has its own swatch: ${styles.join(' | ')}`);
    const distilled = loss.filter((swatch) => swatch.key.startsWith('distilled'));
    assert.equal(distilled.length, 4);
    assert.equal(new Set(distilled.map((swatch) => `${swatch.width} ${swatch.dash}`)).size, 4, 'the distilled swatches differ in width or dash');
    assert.notEqual(loss.find((swatch) => swatch.key === 'distilled-soft')?.dash, '', 'the soft term swatch is dashed');

    const accuracy = await swatches('accuracy-chart');
    assert.equal(new Set(accuracy.map((swatch) => swatch.stroke)).size, 3, 'teacher, distilled and baseline swatches differ in colour');
    await assertClean(page);
  });

  test('legend shows values only on hover', async () => {
    const page = await openFixture();
    const legendVisibility = (): Promise<unknown> => page.evaluate(`getComputedStyle(document.querySelector('[data-testid="loss-chart"] .u-legend')).visibility`);
    assert.equal(await legendVisibility(), 'hidden', 'the idle legend is hidden');

    const box = await page.locator('[data-testid="loss-chart-plot"] .u-over').boundingBox();
    assert.ok(box !== null, 'the loss chart has a plot area');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(100);
    assert.equal(await legendVisibility(), 'visible', 'the legend shows under the cursor');
    const epoch = await page.locator('[data-testid="loss-chart"] .u-legend .u-series').first().locator('td').textContent();
    assert.match(epoch ?? '', /^\d/, `the hovered epoch is a number: ${epoch}`);

    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 150);
    await page.waitForTimeout(100);
    assert.equal(await legendVisibility(), 'hidden', 'the legend hides when the cursor leaves');
    await assertClean(page);
  });

  test('epoch axes tick at whole epochs', async () => {
    const page = await openFixture();
    await selectTab(page, 0);
    const ticks = async (chartId: string): Promise<string[]> => ((await page.getAttribute(`[data-testid="${chartId}-plot"]`, 'data-x-ticks')) ?? '').split(' ');
    for (const chartId of ['loss-chart', 'accuracy-chart']) {
      const full = await ticks(chartId);
      assert.ok(full.length >= 3, `${chartId} ticks: ${full.join(' ')}`);
      assert.ok(full.every((tick) => /^\d+$/.test(tick)), `${chartId} ticks: ${full.join(' ')}`);
    }

    // Zoomed to a few epochs, a fractional step would be the default.
    await page.focus('[data-testid="loss-chart-plot"]');
    for (let zoom = 0; zoom < 3; zoom += 1) {
      await page.keyboard.press('+');
    }
    await page.waitForTimeout(100);
    const zoomed = await ticks('loss-chart');
    assert.ok(zoomed.length >= 2, `zoomed ticks: ${zoomed.join(' ')}`);
    assert.ok(zoomed.every((tick) => /^\d+$/.test(tick)), `zoomed ticks: ${zoomed.join(' ')}`);
    await assertClean(page);
  });

  test('header date uses the medium style', async () => {
    const page = await openFixture();
    const meta = (await page.textContent('.run-meta')) ?? '';
    // "Dec 4, 2026, 9:01:56 PM" in the time zone of the test machine, never "12/4/2026".
    assert.match(meta, /started [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2}\s[AP]M/);
    assert.doesNotMatch(meta, /\d\/\d/);
    await assertClean(page);
  });

  test('heatmaps title their axes', async () => {
    const page = await openFixture();
    await selectTab(page, 3);
    for (const role of roles) {
      assert.equal(await page.textContent(`[data-testid="confusion-${role}-row-title"]`), 'True class ↓');
      assert.equal(await page.textContent(`[data-testid="confusion-${role}-column-title"]`), 'Predicted class →');
      assert.ok(await page.isVisible(`[data-testid="confusion-${role}-column-title"]`), `${role} column title is visible`);
    }
    await selectTab(page, 1);
    for (const role of roles) {
      assert.equal(await page.textContent(`[data-testid="soft-heatmap-${role}-row-title"]`), 'True class ↓');
      assert.equal(await page.textContent(`[data-testid="soft-heatmap-${role}-column-title"]`), 'Mean probability of class →');
    }
    await assertClean(page);
  });

  test('KL part replaces the soft term curve', async () => {
    // The recorded run predates the KL part, so the distilled epochs get one here.
    const events = snapshot.events.map((event) =>
      event.type === 'run/epoch' && event.role === 'distilled' ? { ...event, softKlDivergence: 0.5 / event.epoch } : event,
    );
    const run: ResultsSnapshotMessage = { ...snapshot, events };
    const page = await openFixture('dark', run);
    await page.waitForTimeout(400);

    const lossSeries = await legendSeries(page, 'loss-chart');
    assert.equal(lossSeries.length - 1, 8);
    assert.equal(lossSeries[5], 'Distilled soft KL (×T²)');
    assert.ok(!lossSeries.includes('Distilled soft term (×T²)'), `legend: ${lossSeries.join(', ')}`);
    const legendTitle = await page.locator('[data-testid="loss-chart"] .u-legend .u-series').nth(5).getAttribute('title');
    assert.match(legendTitle ?? '', /^T² · KL\(p_T ‖ q_T\): the soft term without the teacher's entropy/);
    assert.equal(await page.getAttribute('[data-testid="loss-chart-toggle-distilled-soft-kl"]', 'title'), legendTitle);
    assert.match((await page.textContent('[data-testid="loss-note"]')) ?? '', /draws the soft term's KL part/);

    await page.click('[data-testid="loss-chart-table"] >> xpath=.. >> vscode-button');
    const headers = await page.locator('[data-testid="loss-chart-table"] vscode-table-header-cell').allTextContents();
    assert.deepEqual(headers.slice(3, 6), ['Soft term', 'Soft KL', 'Hard term']);
    const distilledRow = await page.locator('[data-testid="loss-chart-table"] vscode-table-row', { hasText: 'Distilled' }).nth(1).locator('vscode-table-cell').allTextContents();
    assert.equal(distilledRow[4], formatNumber(0.25, 4));
    await page.screenshot({ path: path.join(screenshotDir, 'results-dark-curves-kl.png'), fullPage: true });
    await assertClean(page);

    const french = await openPage({ view: 'results', runId }, 'light', 'fr');
    await post(french, run);
    await waitForEvents(french, run.events.length);
    await french.waitForTimeout(400);
    assert.equal((await legendSeries(french, 'loss-chart'))[5], 'Élève distillé, KL du terme doux (×T²)');
    await assertClean(french);
  });

  test('accuracy table equals the summary', async () => {
    const page = await openFixture();
    await selectTab(page, 2);
    for (const role of roles) {
      const evaluation = summary.models[role]!;
      assert.equal(await page.textContent(`[data-testid="metric-accuracy-${role}"]`), formatPercent(evaluation.accuracy));
      assert.equal(await page.textContent(`[data-testid="metric-errors-${role}"]`), `${formatCount(evaluation.errors)} of ${formatCount(evaluation.examples)}`);
      assert.equal(await page.textContent(`[data-testid="metric-parameters-${role}"]`), formatCount(evaluation.parameters));
      assert.equal(await page.textContent(`[data-testid="metric-inference-${role}"]`), `${formatFixed(evaluation.inferenceMsPerExample * 1000, 1)} µs`);
    }
    const ratio = compressionRatio(summary.models.teacher!.parameters, summary.models.distilled!.parameters)!;
    assert.equal(await page.textContent('[data-testid="metric-compression-distilled"]'), `${formatNumber(ratio, 3)}×`);

    const share = gapRecovered(summary.models.teacher!.errors, summary.models.distilled!.errors, summary.models.baseline!.errors)!;
    assert.equal(await page.textContent('[data-testid="gap-value"]'), `Gap recovered: ${formatPercent(share, 1)}. `);
    assert.equal(await page.locator('[data-testid="per-class-bars"] .bar').count(), 30);
    await assertClean(page);
  });

  test('soft-target heatmaps follow the summary and the slider', async () => {
    const page = await openFixture();
    await selectTab(page, 1);

    // At the run's T the cells are the summary's means over the whole test split.
    for (const role of roles) {
      const means = summary.models[role]!.meanSoftened;
      const expected = means.map((row) => row.map((value) => formatFixed(value * 100, value >= 0.995 ? 0 : 1)));
      assert.deepEqual(await cellTexts(page, `soft-heatmap-${role}`), expected, `${role} heatmap at T = ${summary.temperature}`);
    }
    const entropyAtRunTemperature = await page.textContent('[data-testid="entropy-teacher"]');

    const position = temperatureToSlider(20);
    const temperature = sliderToTemperature(position);
    await page.evaluate(`(() => {
      const slider = document.querySelector('[data-testid="temperature-slider"]');
      slider.value = '${position}';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
    await page.waitForTimeout(200);

    assert.match((await page.textContent('[data-testid="soft-source"]')) ?? '', /Recomputed at T = 2\d\.\d from the logits of the 300 stored test examples/);
    for (const role of roles) {
      const { means } = meanSoftenedByClass(decoded.logits[role]!, decoded.labels, decoded.count, decoded.classes, temperature);
      const expected = means.map((row) => row.map((value) => formatFixed(value * 100, value >= 0.995 ? 0 : 1)));
      assert.deepEqual(await cellTexts(page, `soft-heatmap-${role}`), expected, `${role} heatmap at T = ${temperature}`);
    }

    // The explorer's bars show example 0's distribution at the new T.
    const bars = (await page.locator('[data-testid="distribution-teacher-bars"] .bar').evaluateAll((elements) => elements.map((element) => Number(element.getAttribute('data-value'))))) as number[];
    const expectedBars = softmaxAt(decoded.logits.teacher!, 0, decoded.classes, temperature);
    bars.forEach((value, k) => assert.ok(Math.abs(value - expectedBars[k]) < 1e-6, `bar ${k}: ${value} vs ${expectedBars[k]}`));
    const entropyText = await page.textContent('[data-testid="entropy-teacher"]');
    assert.equal(entropyText, `Entropy ${formatFixed(entropyBits(expectedBars), 3)} bits`);
    assert.notEqual(entropyText, entropyAtRunTemperature);

    await page.click('[data-testid="temperature-reset"]');
    assert.match((await page.textContent('[data-testid="soft-source"]')) ?? '', /come from the evaluation of all 10,000 test examples/);
    await assertClean(page);
  });

  test('explorer steps through misclassified examples', async () => {
    const page = await openFixture();
    await selectTab(page, 1);
    await page.evaluate(`(() => {
      const select = document.querySelector('[data-testid="example-filter"]');
      select.value = 'misclassified:any';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    })()`);
    const filter = { kind: 'misclassified', role: 'any' } as const;
    const first = stepExample(decoded, 0, 1, filter)!;
    assert.match((await page.textContent('[data-testid="example-position"]')) ?? '', new RegExp(`^Example ${first + 1} of 300 stored \\(true class ${decoded.labels[first]}\\)`));

    await page.click('[data-testid="example-next"]');
    const second = stepExample(decoded, first, 1, filter)!;
    assert.match((await page.textContent('[data-testid="example-position"]')) ?? '', new RegExp(`^Example ${second + 1} of 300 stored`));
    assert.equal(await page.locator('[data-testid="example-image"]').count(), 1);

    await page.evaluate(`(() => {
      const select = document.querySelector('[data-testid="example-jump"]');
      select.value = '7';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    })()`);
    const seven = stepExample(decoded, second, 1, { kind: 'class', label: 7 })!;
    assert.match((await page.textContent('[data-testid="example-position"]')) ?? '', new RegExp(`^Example ${seven + 1} of 300 stored \\(true class 7\\)`));
    await assertClean(page);
  });

  test('confusion cells read out their counts', async () => {
    const page = await openFixture();
    await selectTab(page, 3);
    const teacher = summary.models.teacher!.confusion;
    const texts = await cellTexts(page, 'confusion-teacher');
    assert.deepEqual(texts, teacher.map((row) => row.map((count) => (count === 0 ? '' : formatCount(count)))));

    await page.hover('[data-testid="confusion-teacher"] td[data-row="1"][data-column="8"]');
    const rowTotal = teacher[1].reduce((sum, count) => sum + count, 0);
    assert.match((await page.textContent('[data-testid="confusion-teacher-readout"]')) ?? '', new RegExp(`true 1, predicted 8: ${teacher[1][8]} of ${formatCount(rowTotal)} examples`));

    await page.focus('[data-testid="confusion-teacher"] td[data-row="0"][data-column="0"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    assert.match((await page.textContent('[data-testid="confusion-teacher-readout"]')) ?? '', /true 1, predicted 1:/);
    await assertClean(page);
  });

  test('saved state restores tab and temperature', async () => {
    const page = await openFixture();
    await selectTab(page, 1);
    await page.evaluate(`(() => {
      const slider = document.querySelector('[data-testid="temperature-slider"]');
      slider.value = '800';
      slider.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
    await page.waitForTimeout(100);

    await page.reload();
    await waitUntil(page, "window.__posted.some((message) => message.type === 'webview/ready')");
    await post(page, snapshot);
    await waitForEvents(page, snapshot.events.length);
    assert.equal(await page.getAttribute('[data-testid="tabs"]', 'selected-index'), '1');
    assert.equal(await page.textContent('[data-testid="temperature-value"]'), `T = ${formatFixed(sliderToTemperature(800), 1)}`);
    await assertClean(page);
  });

  test('100 000 live loss points render', async () => {
    const page = await openPage(resultsState);
    await post(page, { ...snapshot, status: 'running', summary: undefined, softened: undefined, events: snapshot.events.slice(0, 1) });
    const started = Date.now();
    const total = 100_000;
    const batch = 10_000;
    for (let start = 0; start < total; start += batch) {
      const events: RunProgressEvent[] = Array.from({ length: batch }, (_, index) => {
        const step = start + index + 1;
        return { type: 'run/progress', runId, role: 'distilled', epoch: Math.ceil(step / 1000), epochs: 100, batch: ((step - 1) % 1000) + 1, batches: 1000, step, loss: 2 / Math.sqrt(step) };
      });
      await post(page, { type: 'results/events', runId, events });
    }
    await waitForEvents(page, total + 1);
    await waitUntil(page, "document.querySelector('.curves-tab')?.textContent?.includes('100,000 per-step')");
    const seconds = (Date.now() - started) / 1000;
    // NOTE: a generous bound for a 2-core machine that runs other work; about 2 s were measured there.
    assert.ok(seconds < 20, `rendering 100 000 points took ${seconds} s`);
    assert.deepEqual((await legendSeries(page, 'loss-chart')).slice(1), ['Distilled total, per step']);
    await assertClean(page);
  });

  test('hover reads exact values of long series', async () => {
    const page = await openPage(resultsState);
    await post(page, { ...snapshot, status: 'running', summary: undefined, softened: undefined, events: snapshot.events.slice(0, 1) });
    // 20 000 steps a model are about 30 a pixel, so the chart draws a decimated copy. The losses
    // repeat the digits 0 to 9 in a different order per model, so that each model's minimum and
    // maximum in a pixel column sit at different steps, and decimation keeps different points.
    const steps = 20_000;
    const digitOf = (step: number): number => (step * 7919) % 10;
    const events: RunProgressEvent[] = [];
    for (let step = 1; step <= steps; step += 1) {
      const place = { runId, epoch: Math.ceil(step / 1000), epochs: 20, batch: ((step - 1) % 1000) + 1, batches: 1000, step };
      events.push({ type: 'run/progress', role: 'distilled', ...place, loss: 1 + digitOf(step) / 10 });
      events.push({ type: 'run/progress', role: 'baseline', ...place, loss: 2 + ((digitOf(step) * 3) % 10) / 10 });
    }
    await post(page, { type: 'results/events', runId, events });
    await waitForEvents(page, events.length + 1);
    await waitUntil(page, "document.querySelector('.curves-tab')?.textContent?.includes('40,000 per-step')");

    const box = await page.locator('[data-testid="loss-chart-plot"] .u-over').boundingBox();
    assert.ok(box !== null, 'the loss chart has a plot area');
    const hoverAcross = async (view: string): Promise<string[]> => {
      const xs: string[] = [];
      for (let position = 1; position < 40; position += 1) {
        await page.mouse.move(box.x + (box.width * position) / 40, box.y + box.height / 2);
        await page.waitForTimeout(20);
        const values = Object.fromEntries(
          await page.locator('[data-testid="loss-chart"] .u-legend .u-series').evaluateAll((rows) => rows.map((row) => [row.querySelector('th')?.textContent?.trim(), row.querySelector('td')?.textContent])),
        ) as Record<string, string>;
        const distilled = values['Distilled total, per step'];
        const baseline = values['Baseline, per step'];
        // Both models report at the same steps, so every hovered step has both values.
        assert.match(distilled, /^1(\.\d)?$/, `${view}: distilled at position ${position}`);
        assert.match(baseline, /^2(\.\d)?$/, `${view}: baseline at position ${position}`);
        const digit = Math.round((Number(distilled) - 1) * 10);
        assert.equal(Number(baseline), 2 + ((digit * 3) % 10) / 10, `${view}: baseline at position ${position}, the same step as distilled ${distilled}`);
        xs.push(values['Epoch']);
      }
      return xs;
    };
    const fullXs = await hoverAcross('full view');

    // Zoomed in 16 times, the chart decimates the visible steps again, more finely.
    await page.focus('[data-testid="loss-chart-plot"]');
    for (let zoom = 0; zoom < 4; zoom += 1) {
      await page.keyboard.press('+');
    }
    await page.waitForTimeout(100);
    const zoomedXs = await hoverAcross('zoomed view');
    assert.ok(Number(zoomedXs.at(-1)) - Number(zoomedXs[0]) < (Number(fullXs.at(-1)) - Number(fullXs[0])) / 8, `zoomed x ${zoomedXs[0]} to ${zoomedXs.at(-1)}`);
    await assertClean(page);
  });

  test('compare page shows config differences', async () => {
    const first = readCompareRun(runId, fixtureDir, new EventsReader(path.join(fixtureDir, 'events.jsonl')), []);
    const secondId = '20261205-090000-mnist-quick-t8';
    const second: CompareRun = structuredClone(first);
    second.runId = secondId;
    second.runName = 'mnist-quick-t8';
    (second.config as { name: string; distillation: { temperature: number } }).name = 'mnist-quick-t8';
    (second.config as { distillation: { temperature: number } }).distillation.temperature = 8;
    second.summary!.temperature = 8;
    second.summary!.models.distilled!.errors = 400;
    // Lower curves, so the screenshot shows two runs apart.
    second.epochs = second.epochs.map((epoch) => ({ ...epoch, validationAccuracy: epoch.validationAccuracy - 0.01 }));

    const page = await openPage({ view: 'compare', runIds: [runId, secondId] });
    await post(page, { type: 'compare/snapshot', runs: [first, second], warnings: [] });
    await page.waitForSelector('[data-testid="compare-config"]');

    const configRows = await page.locator('[data-testid="compare-config"] vscode-table-row').allTextContents();
    assert.deepEqual(configRows, ['distillation.temperature48', 'name"mnist-quick""mnist-quick-t8"']);
    assert.equal(await page.locator('[data-testid="compare-metrics"] vscode-table-row').count(), 2);
    assert.deepEqual((await legendSeries(page, 'compare-chart')).length, 7);

    await page.click(`[data-testid="open-${secondId}"]`);
    const posted = (await page.evaluate('window.__posted')) as unknown[];
    assert.deepEqual(posted.at(-1), { type: 'webview/openRun', runId: secondId });
    await page.screenshot({ path: path.join(screenshotDir, 'compare-dark.png'), fullPage: true });
    await assertClean(page);
  });

  test('ensemble members sit beside the ensemble', async () => {
    const ensemble = fixtureSnapshot(ensembleRun.runId, ensembleRun.runDir);
    const ensembleSummary = ensemble.summary!;
    const page = await openFixture('dark', ensemble);

    assert.deepEqual((await legendSeries(page, 'accuracy-chart')).slice(1), ['Teacher a', 'Teacher b', 'Teacher c', 'Distilled', 'Baseline']);
    const lossSeries = (await legendSeries(page, 'loss-chart')).slice(1);
    assert.deepEqual(lossSeries.slice(0, 6), ['Teacher a, per step', 'Teacher a, epoch mean', 'Teacher b, per step', 'Teacher b, epoch mean', 'Teacher c, per step', 'Teacher c, epoch mean']);
    assert.ok(!lossSeries.includes('Teacher, epoch mean'), 'member epochs must not form a teacher line');
    await page.screenshot({ path: path.join(screenshotDir, 'results-dark-ensemble-curves.png'), fullPage: true });

    await selectTab(page, 2);
    assert.equal(await page.textContent('[data-testid="column-teacher"]'), 'Ensemble (arithmetic mean of 3)');
    for (const member of ensembleSummary.ensemble!.members) {
      const key = `member-${member.member}`;
      assert.equal(await page.textContent(`[data-testid="column-${key}"]`), `Teacher ${member.member}`);
      assert.equal(await page.textContent(`[data-testid="metric-accuracy-${key}"]`), formatPercent(member.accuracy));
      assert.equal(await page.textContent(`[data-testid="metric-errors-${key}"]`), `${formatCount(member.errors)} of ${formatCount(member.examples)}`);
      assert.equal(await page.textContent(`[data-testid="metric-parameters-${key}"]`), formatCount(member.parameters));
      assert.equal(await page.textContent(`[data-testid="metric-training-${key}"]`), formatDuration(member.trainingSeconds));
    }
    const teacher = ensembleSummary.models.teacher!;
    assert.equal(await page.textContent('[data-testid="metric-errors-teacher"]'), `${formatCount(teacher.errors)} of ${formatCount(teacher.examples)}`);
    assert.equal(await page.textContent('[data-testid="metric-parameters-teacher"]'), formatCount(teacher.parameters));
    assert.equal(
      await page.textContent('[data-testid="ensemble-gain"]'),
      'Ensemble (arithmetic mean of 3): 234 test errors, 12 fewer than its best member (c, 246).',
    );
    // The per-class chart shows the ensemble and the students, not the members.
    assert.equal(await page.locator('[data-testid="per-class-bars"] .bar').count(), 30);
    assert.equal(await page.locator('[data-testid="bias-adjustment"]').count(), 0);
    await page.screenshot({ path: path.join(screenshotDir, 'results-dark-ensemble-accuracy.png'), fullPage: true });
    await assertClean(page);
  });

  test('bias adjustment shows before and after', async () => {
    const bias = fixtureSnapshot(biasRun.runId, biasRun.runDir);
    const result = bias.summary!.biasAdjustment!;
    const page = await openFixture('light', bias);
    await selectTab(page, 2);

    assert.equal(await page.textContent('[data-testid="column-adjusted"]'), 'Distilled, bias-adjusted');
    assert.equal(await page.textContent('[data-testid="metric-errors-adjusted"]'), `${formatCount(458)} of ${formatCount(10000)}`);
    assert.equal(await page.textContent('[data-testid="metric-accuracy-adjusted"]'), formatPercent(result.evaluation.accuracy));
    assert.equal(await page.textContent('[data-testid="metric-errors-distilled"]'), `${formatCount(991)} of ${formatCount(10000)}`);
    assert.equal(
      await page.textContent('[data-testid="bias-test-errors"]'),
      `Test errors: ${formatCount(991)} → 458 of ${formatCount(10000)}. Validation errors: 482 → 229.`,
    );
    const classRows = await page.locator('[data-testid="bias-classes"] vscode-table-row').allTextContents();
    assert.deepEqual(classRows, [`3+3.5612 → 58 of ${formatCount(1010)}`]);
    // Teacher, distilled, adjusted and baseline bars for each of the 10 classes.
    assert.equal(await page.locator('[data-testid="per-class-bars"] .bar').count(), 40);
    await page.screenshot({ path: path.join(screenshotDir, 'results-light-bias-accuracy.png'), fullPage: true });
    await assertClean(page);
  });

  test('compare shows ensemble and adjusted errors', async () => {
    const runs = [ensembleRun, biasRun].map(({ runId: id, runDir }) => readCompareRun(id, runDir, new EventsReader(path.join(runDir, 'events.jsonl')), []));
    const page = await openPage({ view: 'compare', runIds: runs.map((run) => run.runId) });
    await post(page, { type: 'compare/snapshot', runs, warnings: [] });
    await page.waitForSelector('[data-testid="compare-metrics"]');

    const headers = await page.locator('[data-testid="compare-metrics"] vscode-table-header-cell').allTextContents();
    assert.equal(headers[4], 'Bias-adjusted errors');
    const rows = await page.locator('[data-testid="compare-metrics"] vscode-table-row').evaluateAll((elements) =>
      elements.map((row) => [...row.querySelectorAll('vscode-table-cell')].map((cell) => cell.textContent)),
    );
    assert.deepEqual(rows[0].slice(2, 5), ['234 (ensemble of 3, members 246–263)', '429', 'n/a']);
    assert.deepEqual(rows[1].slice(2, 5), ['234', '991', `458 (${formatPercent(0.9542)})`]);
    // Member epochs are left out of the chart, so the ensemble run draws its two students only.
    assert.deepEqual((await legendSeries(page, 'compare-chart')).length, 1 + 2 + 3);
    await page.screenshot({ path: path.join(screenshotDir, 'compare-dark-ensemble-bias.png'), fullPage: true });
    await assertClean(page);
  });

  test('french page translates the panels', async () => {
    const bias = fixtureSnapshot(biasRun.runId, biasRun.runDir);
    const page = await openPage({ view: 'results', runId: bias.runId }, 'light', 'fr');
    await post(page, bias);
    await waitForEvents(page, bias.events.length);

    const tabs = await page.locator('[data-testid="tabs"] vscode-tab-header').allTextContents();
    assert.deepEqual(tabs, ['Courbes', 'Cibles douces', 'Exactitude', 'Confusion']);
    assert.equal(await page.textContent('[data-testid="run-status"]'), 'terminée');
    assert.deepEqual((await legendSeries(page, 'accuracy-chart')).slice(1), ['Enseignant', 'Distillé', 'Référence']);
    assert.match((await page.textContent('.run-meta')) ?? '', /démarrée le \d{1,2} déc\. 2026, \d{2}:\d{2}:\d{2}/);
    assert.equal(await page.textContent('[data-testid="confusion-teacher-row-title"]'), 'Vraie classe ↓');
    assert.equal(await page.textContent('[data-testid="confusion-teacher-column-title"]'), 'Classe prédite →');
    assert.equal(await page.textContent('[data-testid="soft-heatmap-teacher-column-title"]'), 'Probabilité moyenne de la classe →');

    await selectTab(page, 2);
    assert.equal(await page.textContent('[data-testid="column-adjusted"]'), 'Distillé, biais ajustés');
    // French groups digits with a narrow no-break space.
    assert.equal(await page.textContent('[data-testid="metric-errors-adjusted"]'), `458 sur ${new Intl.NumberFormat('fr').format(10000)}`);
    assert.equal(
      await page.textContent('[data-testid="bias-test-errors"]'),
      `Erreurs de test : 991 → 458 sur ${new Intl.NumberFormat('fr').format(10000)}. Erreurs de validation : 482 → 229.`,
    );
    for (let index = 0; index < tabNames.length; index += 1) {
      await selectTab(page, index);
      await page.screenshot({ path: path.join(screenshotDir, `results-light-fr-${index + 1}-${tabNames[index]}.png`), fullPage: true });
    }
    await assertClean(page);
  });

  for (const theme of ['light', 'dark'] as const) {
    test(`screenshots of every tab, ${theme} theme`, async () => {
      const page = await openFixture(theme);
      for (let index = 0; index < tabNames.length; index += 1) {
        await selectTab(page, index);
        await page.waitForTimeout(300);
        await page.screenshot({ path: path.join(screenshotDir, `results-${theme}-${index + 1}-${tabNames[index]}.png`), fullPage: true });
      }
      await assertClean(page);
    });
  }
});
