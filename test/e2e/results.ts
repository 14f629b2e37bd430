// End-to-end check of the results panel in code-server (a real VS Code 1.100) and headless
// Chromium. It installs the packaged extension, starts a run of a small config from the command
// palette, opens the run's results panel with "Distill: Open Results" while the run trains, and
// checks that the curves grow. Once the run has completed, it checks every tab against the run
// folder on disk. The Curves legend lists every series, and the Soft targets heatmaps follow the
// temperature slider. The Accuracy table equals summary.json, and the Confusion tab has three
// matrices. Last, "Developer: Reload Window" must bring the panel back with its content.
//
// Run:  npx tsx test/e2e/results.ts [--vsix FILE]
// Without --vsix (or DISTILL_E2E_VSIX) it builds and packs the extension first. It prints one
// line per step, the screenshot of each tab and of any failed step, and exits 1 when a step
// failed or the browser tried to reach a host other than 127.0.0.1.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  launchBrowser,
  legendSeries,
  openWorkbench,
  pickQuickPickItem,
  runCommand,
  screenshot,
  webviewFrame,
  type BrowserSession,
  type FrameLocator,
  type Page,
} from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { reportAttempts } from './networkGuard';
import { check, logScreenshot, packageVsix, parseVsixOption, runScenario, seconds, StepFailure, Steps } from './scenario';
import { clearNotificationsTitle, openResultsTitle, reloadWindowTitle, startRunTitle, waitForValue } from './workbench';
import { readSoftened } from '../../src/extension/results/runFolder';
import { formatCount, formatFixed, formatPercent } from '../../src/webview/model/format';
import { gapRecovered, meanSoftenedByClass, sliderToTemperature, temperatureSliderSteps } from '../../src/webview/model/maths';
import { decodeSoftened } from '../../src/webview/model/softened';

const usage = 'npx tsx test/e2e/results.ts [--vsix FILE]';

const configName = 'e2e-results';
const configFile = `${configName}.distill.json`;
const storedLogits = 200;

/**
 * An estimated 15–30 s of training on a 2-core machine with the wasm backend: 12 teacher epochs
 * of about 0.9 s, then 40 quick epochs for each student. The panel opens while the teacher trains.
 */
const configText = `{
  // Results panel end-to-end test: a small slice of MNIST, small MLPs and few epochs, but long
  // enough that the results panel opens while the run is still training.
  "name": "${configName}",
  "seed": 1,
  "data": { "source": "mnist", "validation": 500, "trainExamples": 3000, "testExamples": 2000 },
  "teacher": {
    "model": { "type": "mlp", "hidden": [512, 512], "dropout": 0.2 },
    "train": { "epochs": 12, "batchSize": 64 }
  },
  "student": {
    "model": { "type": "mlp", "hidden": [128, 128] },
    "train": { "epochs": 40, "batchSize": 64 }
  },
  "distillation": { "temperature": 4, "softWeight": 0.9, "hardWeight": 0.1 },
  "baseline": true,
  "transfer": { "examples": 1000 },
  "evaluation": { "storedLogits": ${storedLogits} }
}
`;

const runTimeoutMs = 4 * 60_000;

const roles = ['teacher', 'distilled', 'baseline'] as const;
type Role = (typeof roles)[number];

const expectedLossSeries = [
  'Teacher, per step',
  'Teacher, epoch mean',
  'Distilled total, per step',
  'Distilled total, epoch mean',
  // The engine reports the soft term's KL part, which replaces the soft term's curve.
  'Distilled soft KL (×T²)',
  'Distilled hard term',
  'Baseline, per step',
  'Baseline, epoch mean',
];
const expectedAccuracySeries = ['Teacher', 'Distilled', 'Baseline'];

interface ModelSummary {
  accuracy: number;
  errors: number;
  examples: number;
  parameters: number;
  confusion: number[][];
  meanSoftened?: number[][];
}

interface SummaryOnDisk {
  runId: string;
  name: string;
  status: string;
  error?: string;
  temperature: number;
  models: Partial<Record<Role, ModelSummary>>;
}

// ---------------------------------------------------------------------------------------------
// Workspace and run folder on disk

function createWorkspace(): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-e2e-results-'));
  fs.writeFileSync(path.join(workspace, configFile), configText);
  return workspace;
}

function readSummary(runDir: string): SummaryOnDisk | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as SummaryOnDisk;
  } catch {
    // Missing, or replaced at this moment: the worker writes it to a temporary file and renames it.
    return undefined;
  }
}

/** Returns the run folders of the workspace whose summary.json names this test's config. */
function runDirs(workspace: string): string[] {
  const dir = path.join(workspace, '.distill', 'runs');
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .map((name) => path.join(dir, name))
    .filter((runDir) => readSummary(runDir)?.name === configName);
}

function countEvents(runDir: string, type: string): number {
  const lines = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8').split('\n');
  return lines.filter((line) => line.trim() !== '' && (JSON.parse(line) as { type: string }).type === type).length;
}

// ---------------------------------------------------------------------------------------------
// Reading the results webview

interface LiveState {
  status: string;
  /** Events applied by the page, from #app's data-events attribute. */
  events: number;
  /** Per-step loss points drawn, from the note under the loss chart. */
  stepPoints: number;
  lossSeries: string[];
}

async function readLiveState(frame: FrameLocator): Promise<LiveState> {
  const status = ((await frame.locator('[data-testid="run-status"]').textContent({ timeout: 5_000 })) ?? '').trim();
  const events = Number(await frame.locator('#app').getAttribute('data-events', { timeout: 5_000 }));
  const notes = await frame.locator('.curves-tab p.note').allTextContents();
  const stepNote = notes.find((text) => /per-step loss points/.test(text));
  const stepPoints = stepNote === undefined ? 0 : Number((/^([\d,]+) per-step/.exec(stepNote)?.[1] ?? '0').replace(/,/g, ''));
  return { status, events, stepPoints, lossSeries: await legendSeries(frame, 'loss-chart') };
}

/** Returns a heatmap's cell texts as rows of columns. */
async function heatmapCells(frame: FrameLocator, testId: string): Promise<string[][]> {
  // The test's tsconfig has no DOM types, so the page-side function declares the little it uses.
  type Cell = { dataset: Record<string, string | undefined>; textContent: string | null };
  return frame.locator(`[data-testid="${testId}"]`).evaluate((table: { querySelectorAll(selector: string): ArrayLike<Cell> }) => {
    const rows: string[][] = [];
    for (const cell of Array.from(table.querySelectorAll('td'))) {
      (rows[Number(cell.dataset.row)] ??= [])[Number(cell.dataset.column)] = cell.textContent ?? '';
    }
    return rows;
  });
}

async function selectTab(frame: FrameLocator, index: number): Promise<void> {
  await frame.locator(`[data-testid="tab-${index}"]`).click();
}

function softenedCellTexts(means: number[][]): string[][] {
  return means.map((row) => row.map((value) => formatFixed(value * 100, value >= 0.995 ? 0 : 1)));
}

function sameCells(actual: string[][], expected: string[][]): boolean {
  return JSON.stringify(actual) === JSON.stringify(expected);
}

/** Records console errors and uncaught exceptions from the webview's frames. */
function watchWebviewErrors(page: Page): string[] {
  const errors: string[] = [];
  const isWebviewUrl = (url: string): boolean => url.includes('/webview/') || url.includes('vscode-resource') || url.includes('vscode-cdn');
  page.on('console', (message) => {
    if (message.type() === 'error' && isWebviewUrl(message.location().url)) {
      errors.push(`console error at ${message.location().url}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => {
    if (isWebviewUrl(error.stack ?? '')) {
      errors.push(`uncaught ${error.name}: ${error.message}`);
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Scenario

interface Context {
  page: Page;
  workspace: string;
  runDir?: string;
  /** Set once the webview has drawn the run's header, which every later step reads. */
  panelRendered: boolean;
}

async function liveRun(steps: Steps, context: Context): Promise<void> {
  const { page, workspace } = context;

  await steps.run(`"${startRunTitle}" starts ${configFile}`, async () => {
    // The workspace has one config, so the command starts it without asking.
    await runCommand(page, startRunTitle, 30_000);
    const found = await waitForValue(() => runDirs(workspace), (dirs) => dirs.length > 0, `a run folder of ${configName}`, 60_000, 250);
    context.runDir = found[0];
    console.log(`     run folder: ${context.runDir}`);
  });

  await steps.run(`"${openResultsTitle}" opens the panel while the run trains, and its curves grow`, async () => {
    check(context.runDir !== undefined, 'the run did not start');
    await runCommand(page, openResultsTitle, 20_000);
    await pickQuickPickItem(page, configName, 20_000);

    const frame = webviewFrame(page);
    try {
      await frame.locator('[data-testid="run-status"]').waitFor({ timeout: 30_000 });
    } catch {
      const panelText = await frame.locator('body').innerText({ timeout: 2_000 }).catch(() => '(no webview document)');
      throw new StepFailure(
        `the results panel did not render the run within 30 s; it shows "${panelText.replace(/\s+/g, ' ').slice(0, 200)}". ` +
          'The webview errors at the end of this output name the missing or failing resources.',
      );
    }
    context.panelRendered = true;
    const first = await readLiveState(frame);
    console.log(`     first read: status ${first.status}, ${first.events} events, ${first.stepPoints} per-step points, series: ${first.lossSeries.join(', ')}`);
    check(
      first.status === 'running',
      `the panel opened with status "${first.status}", so the curves could not be seen growing: the run finished too soon for this machine, and ${configFile} needs more epochs`,
    );

    const second = await waitForValue(
      () => readLiveState(frame),
      (state) => state.events > first.events && state.stepPoints > first.stepPoints,
      'more events and per-step loss points than at the first read',
      30_000,
      500,
    );
    console.log(`     second read: status ${second.status}, ${second.events} events, ${second.stepPoints} per-step points, series: ${second.lossSeries.join(', ')}`);
    logScreenshot(await screenshot(page, 'results-1-live-curves'), `the results panel beside the editor while the run trains (status ${second.status}), the loss chart partly drawn`);
  });
  if (!context.panelRendered) {
    return;
  }

  await steps.run('run completes and the panel shows it', async () => {
    check(context.runDir !== undefined, 'the run did not start');
    const runDir = context.runDir;
    const summary = await waitForValue(
      () => readSummary(runDir),
      (found) => found !== undefined && ['completed', 'failed', 'cancelled', 'interrupted'].includes(found.status),
      `a final status in ${path.join(runDir, 'summary.json')}`,
      runTimeoutMs,
      500,
    );
    check(summary?.status === 'completed', `the run ended ${summary?.status}: ${summary?.error ?? '(no error recorded)'}`);
    const status = await waitForValue(
      async () => ((await webviewFrame(page).locator('[data-testid="run-status"]').textContent()) ?? '').trim(),
      (text) => text === 'completed',
      'status "completed" in the panel header',
      20_000,
      500,
    );
    console.log(`     summary.json and the panel: ${status}`);

    // The completion notification would cover the lower right of every tab's screenshot.
    await runCommand(page, clearNotificationsTitle);
  });
}

async function tabs(steps: Steps, context: Context): Promise<void> {
  const { page } = context;
  const frame = webviewFrame(page);

  await steps.run('Curves tab lists every loss and accuracy series', async () => {
    check(context.runDir !== undefined, 'the run did not start');
    await selectTab(frame, 0);
    // Each chart redraws at most every 250 ms, so the last events can land a moment after the status.
    const lossSeries = await waitForValue(
      () => legendSeries(frame, 'loss-chart'),
      (found) => found.length === expectedLossSeries.length,
      `${expectedLossSeries.length} series in the loss chart's legend`,
      10_000,
      500,
    );
    check(JSON.stringify(lossSeries) === JSON.stringify(expectedLossSeries), `loss chart series: ${lossSeries.join(', ')}; expected ${expectedLossSeries.join(', ')}`);
    const accuracySeries = await legendSeries(frame, 'accuracy-chart');
    check(
      JSON.stringify(accuracySeries) === JSON.stringify(expectedAccuracySeries),
      `accuracy chart series: ${accuracySeries.join(', ')}; expected ${expectedAccuracySeries.join(', ')}`,
    );

    // Every run/progress event of events.jsonl is one per-step point, none lost or drawn twice.
    const progressEvents = countEvents(context.runDir, 'run/progress');
    const state = await readLiveState(frame);
    check(state.stepPoints === progressEvents, `the loss chart has ${state.stepPoints} per-step points; events.jsonl has ${progressEvents} run/progress events`);
    console.log(`     loss series: ${lossSeries.join(', ')}\n     accuracy series: ${accuracySeries.join(', ')}\n     per-step points: ${state.stepPoints}`);
    logScreenshot(await screenshot(page, 'results-2-curves'), 'the Curves tab of the completed run: the loss chart (log scale) with all eight series');
    await frame.locator('[data-testid="accuracy-chart"]').scrollIntoViewIfNeeded();
    logScreenshot(await screenshot(page, 'results-3-validation-accuracy'), 'the Curves tab scrolled down to the validation accuracy chart: teacher, distilled and baseline per epoch');
  });

  await steps.run('Soft targets tab: heatmaps at the run\'s T, then the slider recomputes them', async () => {
    check(context.runDir !== undefined, 'the run did not start');
    const summary = readSummary(context.runDir) as SummaryOnDisk;
    await selectTab(frame, 1);

    for (const role of roles) {
      const cells = await waitForValue(() => heatmapCells(frame, `soft-heatmap-${role}`), (found) => found.length === 10, `the ${role} heatmap`, 10_000, 250);
      const means = summary.models[role]?.meanSoftened;
      check(means !== undefined, `summary.json has no meanSoftened for ${role}`);
      check(sameCells(cells, softenedCellTexts(means)), `the ${role} heatmap at T = ${summary.temperature} differs from summary.json's meanSoftened: first row ${cells[0]?.join(' ')}`);
    }
    logScreenshot(
      await screenshot(page, 'results-4-soft-targets-run-t'),
      `the Soft targets tab at the run's T = ${summary.temperature}: three heatmaps of summary.json's mean softened distributions, strong diagonals`,
    );

    // Keyboard, as a user without a mouse would: End moves the slider to its highest temperature.
    const slider = frame.locator('[data-testid="temperature-slider"]');
    await slider.focus();
    await page.keyboard.press('End');
    const temperature = sliderToTemperature(temperatureSliderSteps);
    const warnings: string[] = [];
    const softened = readSoftened(context.runDir, warnings);
    check(softened !== undefined, `the run folder has no readable softened/ subset: ${warnings.join('; ')}`);
    const decoded = decodeSoftened(softened);
    check(decoded.count === storedLogits, `softened/ holds ${decoded.count} examples; the config asks for ${storedLogits}`);

    for (const role of roles) {
      const logits = decoded.logits[role];
      check(logits !== undefined, `softened/ has no logits for ${role}`);
      const expected = softenedCellTexts(meanSoftenedByClass(logits, decoded.labels, decoded.count, decoded.classes, temperature).means);
      const cells = await waitForValue(
        () => heatmapCells(frame, `soft-heatmap-${role}`),
        (found) => sameCells(found, expected),
        `the ${role} heatmap recomputed at T = ${temperature}`,
        10_000,
        250,
      );
      check(cells.length === 10, `the ${role} heatmap has ${cells.length} rows`);
    }
    const source = ((await frame.locator('[data-testid="soft-source"]').textContent()) ?? '').trim();
    check(source.includes(`from the logits of the ${storedLogits} stored test examples`), `unexpected note under the slider: ${source}`);
    const panelText = ((await frame.locator('[data-testid="temperature-value"]').textContent()) ?? '').trim();
    console.log(`     slider: ${panelText}; note: ${source}`);
    logScreenshot(
      await screenshot(page, 'results-5-soft-targets-slider'),
      `the Soft targets tab after the slider moved to its end (${panelText}): three heatmaps recomputed from the ${storedLogits} stored logits, flatter than at T = ${summary.temperature}`,
    );
  });

  await steps.run('Accuracy tab equals summary.json', async () => {
    check(context.runDir !== undefined, 'the run did not start');
    const summary = readSummary(context.runDir) as SummaryOnDisk;
    await selectTab(frame, 2);
    await frame.locator('[data-testid="accuracy-table"]').waitFor({ timeout: 10_000 });

    const rows: string[] = [];
    for (const role of roles) {
      const model = summary.models[role];
      check(model !== undefined, `summary.json has no ${role} model`);
      const expected: Record<string, string> = {
        accuracy: formatPercent(model.accuracy),
        errors: `${formatCount(model.errors)} of ${formatCount(model.examples)}`,
        parameters: formatCount(model.parameters),
      };
      for (const [metric, value] of Object.entries(expected)) {
        const panelText = ((await frame.locator(`[data-testid="metric-${metric}-${role}"]`).textContent()) ?? '').trim();
        check(panelText === value, `${role} ${metric}: the panel shows "${panelText}", summary.json gives "${value}"`);
      }
      rows.push(`${role} ${expected.accuracy}, ${expected.errors} errors, ${expected.parameters} parameters`);
    }

    const { teacher, distilled, baseline } = summary.models as Record<Role, ModelSummary>;
    const share = gapRecovered(teacher.errors, distilled.errors, baseline.errors);
    const gapText = ((await frame.locator('[data-testid="gap-recovered"]').textContent()) ?? '').trim();
    const expectedGap = share === null ? 'Gap recovered: n/a.' : `Gap recovered: ${formatPercent(share, 1)}.`;
    check(gapText.startsWith(expectedGap), `gap paragraph "${gapText}" does not start with "${expectedGap}"`);
    console.log(`     ${rows.join('\n     ')}\n     ${gapText}`);
    logScreenshot(await screenshot(page, 'results-6-accuracy'), 'the Accuracy tab: the side-by-side table with the numbers of summary.json, the gap recovered and the per-class bars');
  });

  await steps.run('Confusion tab shows three matrices that match summary.json', async () => {
    check(context.runDir !== undefined, 'the run did not start');
    const summary = readSummary(context.runDir) as SummaryOnDisk;
    await selectTab(frame, 3);

    for (const role of roles) {
      const confusion = summary.models[role]?.confusion;
      check(confusion !== undefined, `summary.json has no confusion matrix for ${role}`);
      const cells = await waitForValue(() => heatmapCells(frame, `confusion-${role}`), (found) => found.length === 10, `the ${role} confusion matrix`, 10_000, 250);
      const expected = confusion.map((row) => row.map((count) => (count === 0 ? '' : formatCount(count))));
      check(sameCells(cells, expected), `the ${role} confusion matrix differs from summary.json: first row ${cells[0]?.join(' ')}`);
    }
    logScreenshot(await screenshot(page, 'results-7-confusion'), 'the Confusion tab: teacher, distilled and baseline matrices, diagonals shaded in each model\'s colour and errors in red');
  });
}

async function reload(steps: Steps, context: Context): Promise<void> {
  const { page } = context;

  await steps.run(`"${reloadWindowTitle}" restores the results panel with its content`, async () => {
    check(context.runDir !== undefined, 'the run did not start');
    const summary = readSummary(context.runDir) as SummaryOnDisk;
    // The listener goes first: the new page can finish loading before runCommand returns.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await runCommand(page, reloadWindowTitle, 20_000);
    await reloaded;
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });

    // The panel's saved state names the run and the selected tab, Confusion.
    const frame = webviewFrame(page);
    const status = await waitForValue(
      async () => ((await frame.locator('[data-testid="run-status"]').textContent({ timeout: 2_000 })) ?? '').trim(),
      (text) => text === 'completed',
      'the restored panel with status "completed"',
      60_000,
      500,
    );
    const title = ((await frame.locator('.run-header h2').first().textContent()) ?? '').trim();
    check(title === configName, `the restored panel's heading is "${title}"; expected ${configName}`);
    for (const role of roles) {
      const cells = await waitForValue(() => heatmapCells(frame, `confusion-${role}`), (found) => found.length === 10, `the restored ${role} confusion matrix`, 10_000, 250);
      const diagonal = summary.models[role]?.confusion.map((row, index) => formatCount(row[index]));
      check(
        JSON.stringify(cells.map((row, index) => row[index])) === JSON.stringify(diagonal),
        `the restored ${role} matrix's diagonal is ${cells.map((row, index) => row[index]).join(' ')}; summary.json gives ${diagonal?.join(' ')}`,
      );
    }
    const tabTitle = ((await page.locator('.tabs-container .tab.active').first().textContent()) ?? '').trim();
    console.log(`     restored: editor tab "${tabTitle}", status ${status}, Confusion tab selected`);
    logScreenshot(await screenshot(page, 'results-8-after-reload'), 'the window after the reload: the restored results panel on its Confusion tab, with the same matrices');

    // The slider's temperature is part of the saved view state too.
    await selectTab(frame, 1);
    const expectedTemperature = `T = ${formatFixed(sliderToTemperature(temperatureSliderSteps), 1)}`;
    const panelText = await waitForValue(
      async () => ((await frame.locator('[data-testid="temperature-value"]').textContent()) ?? '').trim(),
      (text) => text === expectedTemperature,
      `"${expectedTemperature}" on the restored Soft targets tab`,
      10_000,
      250,
    );
    console.log(`     restored slider: ${panelText}`);
  });
}

async function main(): Promise<number> {
  const start = Date.now();
  const options = parseVsixOption(process.argv.slice(2), usage);
  const steps = new Steps('results');
  const workspace = createWorkspace();
  let vsix = options.vsix;
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;
  let webviewErrors: string[] = [];

  try {
    await steps.run('.vsix is ready', async () => {
      vsix ??= packageVsix();
      check(fs.existsSync(vsix), `.vsix file not found: ${vsix}`);
      console.log(`     ${vsix}`);
    });

    const packaged = vsix;
    if (packaged !== undefined && fs.existsSync(packaged)) {
      await steps.run('code-server starts with the .vsix installed and the workbench opens', async () => {
        server = await startCodeServer({ workspace, vsix: packaged, logName: 'results-code-server.log' });
        session = await launchBrowser();
        steps.page = session.page;
        webviewErrors = watchWebviewErrors(session.page);
        await openWorkbench(session.page, server.url);
        await session.page.locator('.explorer-folders-view .monaco-list-row', { hasText: configFile }).first().waitFor({ timeout: 30_000 });
        console.log(`     ${server.baseUrl}; workspace ${workspace}; log ${server.logFile}`);
      });
    }

    if (session !== undefined && server !== undefined) {
      const context: Context = { page: session.page, workspace, panelRendered: false };
      await liveRun(steps, context);
      if (context.panelRendered) {
        await tabs(steps, context);
        await reload(steps, context);
      } else {
        steps.skip('the tabs and the window reload', 'the results panel never rendered the run');
      }
      await steps.run('the webview logged no errors', async () => {
        check(webviewErrors.length === 0, `${webviewErrors.length} errors:\n${webviewErrors.join('\n')}`);
      });
    }
  } finally {
    await session?.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }

  const attempts = reportAttempts();
  for (const failed of steps.failedSteps) {
    console.log(`failed step: ${failed.name}; screenshot: ${failed.screenshot}`);
  }
  console.log(`total time: ${seconds(Date.now() - start)}`);
  console.log(`results: ${steps.summary()}`);
  return steps.failedSteps.length === 0 && attempts === 0 ? 0 : 1;
}

runScenario(main);
