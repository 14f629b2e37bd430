// End-to-end check of sweeps and ensemble teachers in code-server (a real VS Code 1.100) and
// headless Chromium. The workspace contains two small configs:
//   - e2e-sweep: a 5 × 2 sweep of temperature and soft weight. "Distill: Start Run" from the
//     palette starts it; the Experiments tree must show one sweep node with ten children whose
//     errors equal sweep.json, and the results panel of a child must have a Sweep tab whose chart
//     has one line per soft weight plus the teacher and the baseline, and whose table equals
//     sweep.json.
//   - e2e-ensemble: three small teachers combined by arithmetic mean. The tree must list the
//     ensemble and each member, and the Accuracy tab must show a column per member beside the
//     ensemble, with the errors of summary.json.
//
// Run:  npx tsx test/e2e/sweepEnsemble.ts [--vsix FILE]
// Without --vsix (or DISTILL_E2E_VSIX) it builds and packs the extension first. It prints one
// line per step, a screenshot of each step and of any failed one, and exits 1 when a step failed
// or the browser or code-server tried to reach a host other than 127.0.0.1.
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
import { check, logScreenshot, packageVsix, parseVsixOption, runScenario, seconds, Steps } from './scenario';
import { clearNotificationsTitle, closeAllEditorsTitle, delay, notificationWith, openResultsTitle, showViewTitle, sideBarRowTexts, startRunTitle, waitForValue } from './workbench';
import type { RunSummary, SweepSummary } from '../../src/protocol/messages';

const usage = 'npx tsx test/e2e/sweepEnsemble.ts [--vsix FILE]';

const sweepName = 'e2e-sweep';
const ensembleName = 'e2e-ensemble';
const temperatures = [1, 2, 4, 8, 16];
const softWeights = [0.5, 0.9];
const memberNames = ['a', 'b', 'c'];

// Small slices of MNIST and small MLPs: each model trains in a few seconds on 2 cores.
const data = '"data": { "source": "mnist", "validation": 500, "trainExamples": 5000, "testExamples": 1000 }';
const student = '"student": { "model": { "type": "mlp", "hidden": [64] }, "train": { "epochs": 30, "batchSize": 64 } }';

const sweepConfig = `{
  // Sweep end-to-end test: ten children of a small teacher and student.
  "name": "${sweepName}",
  "seed": 1,
  ${data},
  "teacher": { "model": { "type": "mlp", "hidden": [128], "dropout": 0.2 }, "train": { "epochs": 2, "batchSize": 64 } },
  ${student},
  "distillation": { "temperature": 4, "softWeight": 0.9, "hardWeight": 0.1 },
  "transfer": { "examples": 1000 },
  "sweep": { "temperature": ${JSON.stringify(temperatures)}, "softWeight": ${JSON.stringify(softWeights)} }
}
`;

const ensembleConfig = `{
  // Ensemble end-to-end test: three small teachers of different widths and seeds.
  "name": "${ensembleName}",
  "seed": 1,
  ${data},
  "teacher": {
    "ensemble": [
      { "name": "a", "seed": 11, "model": { "type": "mlp", "hidden": [96], "dropout": 0.2 }, "train": { "epochs": 2, "batchSize": 64 } },
      { "name": "b", "seed": 12, "model": { "type": "mlp", "hidden": [128], "dropout": 0.2 }, "train": { "epochs": 2, "batchSize": 64 } },
      { "name": "c", "seed": 13, "model": { "type": "mlp", "hidden": [64, 64], "dropout": 0.2 }, "train": { "epochs": 2, "batchSize": 64 } }
    ],
    "combine": "arithmetic"
  },
  ${student},
  "distillation": { "temperature": 4, "softWeight": 0.9, "hardWeight": 0.1 },
  "transfer": { "examples": 1000 }
}
`;

const sweepTimeoutMs = 6 * 60_000;
const ensembleTimeoutMs = 4 * 60_000;

function createWorkspace(): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-e2e-sweep-'));
  fs.writeFileSync(path.join(workspace, `${sweepName}.distill.json`), sweepConfig);
  fs.writeFileSync(path.join(workspace, `${ensembleName}.distill.json`), ensembleConfig);
  return workspace;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    // Missing, or being replaced: the writers use a temporary file and a rename.
    return undefined;
  }
}

function listDirs(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
}

function findSweep(workspace: string): SweepSummary | undefined {
  return listDirs(path.join(workspace, '.distill', 'sweeps'))
    .map((dir) => readJson<SweepSummary>(path.join(dir, 'sweep.json')))
    .find((summary) => summary?.name === sweepName);
}

function findRun(workspace: string, name: string): RunSummary | undefined {
  return listDirs(path.join(workspace, '.distill', 'runs'))
    .map((dir) => readJson<RunSummary>(path.join(dir, 'summary.json')))
    .find((summary) => summary?.name === name && summary.sweep === undefined);
}

const finalStatuses = ['completed', 'failed', 'cancelled', 'interrupted'];

/** Expands the collapsed side bar rows whose text starts with one of `prefixes`, top to bottom. */
async function expandRows(page: Page, prefixes: readonly string[]): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const rows = page.locator('.part.sidebar .monaco-list-row[aria-expanded="false"]');
    const texts = (await rows.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    const index = texts.findIndex((text) => prefixes.some((prefix) => text.startsWith(prefix)));
    if (index < 0) {
      return;
    }
    await rows.nth(index).click();
    await delay(300);
  }
}

async function tableRows(frame: FrameLocator, testId: string): Promise<string[][]> {
  const rows = frame.locator(`[data-testid="${testId}"] vscode-table-row`);
  const result: string[][] = [];
  for (let index = 0; index < (await rows.count()); index++) {
    result.push((await rows.nth(index).locator('vscode-table-cell').allTextContents()).map((text) => text.trim()));
  }
  return result;
}

/**
 * Opens the results panel of the newest run named `name` through the palette and its quick pick.
 * Other editors are closed first, so the only webview on the page is this panel.
 */
async function openResults(page: Page, name: string): Promise<FrameLocator> {
  await runCommand(page, clearNotificationsTitle);
  await runCommand(page, closeAllEditorsTitle);
  await page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  await runCommand(page, openResultsTitle, 20_000);
  await pickQuickPickItem(page, name, 20_000);
  const frame = webviewFrame(page);
  await frame.locator('[data-testid="run-status"]').waitFor({ timeout: 30_000 });
  return frame;
}

/**
 * Starts a config from the palette. The workspace has two, so the command opens a quick pick of
 * them. That quick pick was once hidden at once while a webview had focus, so a second try follows.
 */
async function startConfig(page: Page, fileName: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, startRunTitle, 30_000);
    try {
      await pickQuickPickItem(page, fileName, 10_000);
      return;
    } catch (error) {
      if (attempt === 2) {
        throw error;
      }
      console.log(`     the quick pick of configs did not show ${fileName}; trying once more`);
      await page.keyboard.press('Escape');
    }
  }
}

interface Context {
  page: Page;
  workspace: string;
}

async function sweepSteps(steps: Steps, context: Context): Promise<void> {
  const { page, workspace } = context;
  let sweep: SweepSummary | undefined;

  await steps.run('"Distill: Start Run" starts the 5 × 2 sweep and the tree shows it running', async () => {
    await startConfig(page, `${sweepName}.distill.json`);
    await waitForValue(() => findSweep(workspace), (found) => found !== undefined, 'a sweep.json of e2e-sweep', 60_000, 250);
    await runCommand(page, showViewTitle);
    const rows = await waitForValue(() => sideBarRowTexts(page), (found) => found.some((row) => row.startsWith(sweepName)), `a tree row of ${sweepName}`, 30_000, 500);
    await expandRows(page, [sweepName]);
    const sweepRow = await waitForValue(
      async () => (await sideBarRowTexts(page)).find((row) => row.startsWith('Sweep 5 × 2')),
      (found) => found !== undefined,
      'a "Sweep 5 × 2" row',
      20_000,
      500,
    );
    console.log(`     tree: ${rows.join(' | ')}\n     sweep row: ${sweepRow}`);
    logScreenshot(await screenshot(page, 'sweep-1-running'), 'the Experiments tree with the e2e-sweep group and its running sweep node, and the sweep notification');
  });

  await steps.run('sweep completes with ten children, and the tree lists them with their errors', async () => {
    sweep = await waitForValue(
      () => findSweep(workspace),
      (found) => found !== undefined && finalStatuses.includes(found.status),
      'a final status in sweep.json',
      sweepTimeoutMs,
      1_000,
    );
    check(sweep?.status === 'completed', `the sweep ended ${sweep?.status}: ${sweep?.error ?? '(no error recorded)'}`);
    check(sweep.children.length === 10, `sweep.json has ${sweep.children.length} children, expected 10`);
    const errors = sweep.children.map((child) => child.errors);
    check(errors.every((value) => typeof value === 'number'), `a child has no errors in sweep.json: ${JSON.stringify(sweep.children)}`);
    console.log(`     sweep.json: teacher ${sweep.teacher?.errors}, baseline ${sweep.baseline?.errors}, children ${errors.join(', ')}`);

    await expandRows(page, [sweepName, 'Sweep 5 × 2']);
    const completed = sweep;
    const expectedRows = completed.children.map((child) => ({
      label: `T = ${child.temperature} · soft ${child.softWeight}`,
      errors: `${child.errors} vs ${completed.baseline?.errors} errors`,
    }));
    const rowsMatch = (found: string[]): boolean =>
      expectedRows.every(({ label, errors }) => found.some((row) => row.startsWith(label) && row.includes(errors)));
    // The tree refreshes from file-watcher and sweep events a moment after sweep.json is final,
    // so the rows are read until they all show their errors, and the last reading is checked.
    let childRows: string[] = [];
    await waitForValue(
      async () => (childRows = (await sideBarRowTexts(page)).filter((row) => row.startsWith('T = '))),
      rowsMatch,
      'ten "T = …" rows under the sweep node, each with its errors',
      30_000,
      500,
    ).catch(() => undefined);
    console.log(`     child rows: ${childRows.join(' | ')}`);
    check(childRows.length === 10, `${childRows.length} "T = …" rows under the sweep node, expected 10`);
    for (const { label, errors } of expectedRows) {
      const row = childRows.find((text) => text.startsWith(label));
      check(row !== undefined, `no tree row "${label}"`);
      check(row.includes(errors), `row "${row}" does not show ${errors}`);
    }
    await page.locator('.part.sidebar').hover();
    logScreenshot(await screenshot(page, 'sweep-2-tree-completed'), 'the completed sweep node expanded to its ten "T = … · soft …" children, each with distilled vs baseline errors');
  });

  await steps.run('Sweep tab of a child: errors against T per soft weight, table equals sweep.json', async () => {
    check(sweep?.status === 'completed', 'the sweep did not complete');
    const completed = sweep;
    const frame = await openResults(page, sweepName);
    await frame.locator('[data-testid="tab-4"]').waitFor({ timeout: 30_000 });
    const tabName = ((await frame.locator('[data-testid="tab-4"]').textContent()) ?? '').trim();
    check(tabName === 'Sweep', `the fifth tab is "${tabName}", expected "Sweep"`);
    await frame.locator('[data-testid="tab-4"]').click();

    const series = await waitForValue(() => legendSeries(frame, 'sweep-chart'), (found) => found.length === 4, 'four series in the sweep chart legend', 20_000, 500);
    const expectedSeries = [...softWeights.map((weight) => `soft weight ${weight}`), 'teacher', 'baseline student'];
    check(JSON.stringify(series) === JSON.stringify(expectedSeries), `sweep chart series: ${series.join(', ')}; expected ${expectedSeries.join(', ')}`);

    const rows = await tableRows(frame, 'sweep-table');
    const expectedRows = temperatures.map((temperature) => [
      String(temperature),
      ...softWeights.map((softWeight) => String(completed.children.find((child) => child.temperature === temperature && child.softWeight === softWeight)?.errors)),
    ]);
    check(JSON.stringify(rows) === JSON.stringify(expectedRows), `sweep table ${JSON.stringify(rows)}; sweep.json gives ${JSON.stringify(expectedRows)}`);
    console.log(`     series: ${series.join(', ')}\n     table: ${rows.map((row) => row.join(' ')).join(' | ')}`);
    logScreenshot(await screenshot(page, 'sweep-3-sweep-tab'), 'the Sweep tab: test errors against T, one line per soft weight, dashed teacher and baseline lines, and the table below');
  });
}

async function ensembleSteps(steps: Steps, context: Context): Promise<void> {
  const { page, workspace } = context;
  let summary: RunSummary | undefined;

  await steps.run('ensemble run completes and the tree lists the ensemble and its members', async () => {
    await runCommand(page, clearNotificationsTitle);
    // The sweep's results panel would keep the focus in its webview.
    await runCommand(page, closeAllEditorsTitle);
    await startConfig(page, `${ensembleName}.distill.json`);
    summary = await waitForValue(
      () => findRun(workspace, ensembleName),
      (found) => found !== undefined && finalStatuses.includes(found.status),
      'a final status in the ensemble run\'s summary.json',
      ensembleTimeoutMs,
      1_000,
    );
    check(summary?.status === 'completed', `the ensemble run ended ${summary?.status}: ${summary?.error ?? '(no error recorded)'}`);
    const members = summary.ensemble?.members ?? [];
    check(JSON.stringify(members.map((member) => member.member)) === JSON.stringify(memberNames), `summary.json members: ${JSON.stringify(members.map((member) => member.member))}`);
    const ensembleErrors = summary.models.teacher?.errors as number;
    console.log(`     summary.json: members ${members.map((member) => `${member.member} ${member.errors}`).join(', ')}; ensemble ${ensembleErrors}; distilled ${summary.models.distilled?.errors}; baseline ${summary.models.baseline?.errors}`);

    await notificationWith(page, /Run .* completed/).waitFor({ timeout: 30_000 });
    await expandRows(page, [ensembleName]);
    const newest = await waitForValue(
      () => sideBarRowTexts(page),
      (found) => found.some((row) => row.includes(`${summary?.models.distilled?.errors} vs ${summary?.models.baseline?.errors} errors`)),
      'the ensemble run\'s row with its distilled vs baseline errors',
      20_000,
      500,
    );
    const runRow = newest.find((row) => row.includes(`${summary?.models.distilled?.errors} vs ${summary?.models.baseline?.errors} errors`)) as string;
    await expandRows(page, [runRow.slice(0, 12)]);
    const memberRowsShown = (found: string[]): boolean =>
      members.every((member) => found.some((row) => row.includes(`Teacher ${member.member}`) && row.includes(`${member.errors} errors`)));
    // The expanded run's rows render a moment after the click; the last reading is checked below.
    let rows: string[] = [];
    await waitForValue(async () => (rows = await sideBarRowTexts(page)), memberRowsShown, 'a row per ensemble member with its errors', 20_000, 500).catch(() => undefined);
    console.log(`     tree: ${rows.join(' | ')}`);
    for (const member of members) {
      check(rows.some((row) => row.includes(`Teacher ${member.member}`) && row.includes(`${member.errors} errors`)), `no tree row for member ${member.member} with ${member.errors} errors`);
    }
    check(rows.some((row) => row.includes(`${ensembleErrors} errors`) && /ensemble/i.test(row)), `no ensemble row with ${ensembleErrors} errors`);
    logScreenshot(await screenshot(page, 'ensemble-1-tree'), 'the ensemble run expanded in the tree: the ensemble teacher, members a, b and c, the distilled and baseline students with their errors');
  });

  await steps.run('Accuracy tab shows each member beside the ensemble, as in summary.json', async () => {
    check(summary?.status === 'completed', 'the ensemble run did not complete');
    const completed = summary;
    const frame = await openResults(page, ensembleName);
    await frame.locator('[data-testid="tab-2"]').click();
    await frame.locator('[data-testid="accuracy-table"]').waitFor({ timeout: 20_000 });

    const cells: string[] = [];
    for (const member of completed.ensemble?.members ?? []) {
      const cell = ((await frame.locator(`[data-testid="metric-errors-member-${member.member}"]`).textContent({ timeout: 10_000 })) ?? '').trim();
      cells.push(`${member.member}: ${cell}`);
      check(cell.startsWith(`${member.errors} of `), `member ${member.member}: the panel shows "${cell}", summary.json gives ${member.errors} errors`);
    }
    const header = ((await frame.locator('[data-testid="column-teacher"]').textContent()) ?? '').trim();
    check(/ensemble/i.test(header), `the teacher column is titled "${header}", expected an ensemble title`);
    const ensembleCell = ((await frame.locator('[data-testid="metric-errors-teacher"]').textContent()) ?? '').trim();
    check(ensembleCell.startsWith(`${completed.models.teacher?.errors} of `), `ensemble: the panel shows "${ensembleCell}", summary.json gives ${completed.models.teacher?.errors}`);
    console.log(`     members: ${cells.join(', ')}; ${header}: ${ensembleCell}`);
    logScreenshot(await screenshot(page, 'ensemble-2-accuracy'), 'the Accuracy tab with columns Teacher a, b, c, the ensemble, the distilled and the baseline student');
  });
}

async function main(): Promise<number> {
  const start = Date.now();
  const options = parseVsixOption(process.argv.slice(2), usage);
  const steps = new Steps('sweep-ensemble');
  const workspace = createWorkspace();
  let vsix = options.vsix;
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;

  try {
    await steps.run('.vsix is ready', async () => {
      vsix ??= packageVsix();
      check(fs.existsSync(vsix), `.vsix file not found: ${vsix}`);
    });
    const packaged = vsix;
    if (packaged !== undefined && fs.existsSync(packaged)) {
      await steps.run('code-server starts with the .vsix installed and the workbench opens', async () => {
        server = await startCodeServer({ workspace, vsix: packaged, logName: 'sweep-ensemble-code-server.log' });
        session = await launchBrowser();
        steps.page = session.page;
        await openWorkbench(session.page, server.url);
        await session.page.locator('.explorer-folders-view .monaco-list-row', { hasText: `${sweepName}.distill.json` }).first().waitFor({ timeout: 30_000 });
        console.log(`     ${server.baseUrl}; workspace ${workspace}; log ${server.logFile}`);
      });
    }
    if (session !== undefined && server !== undefined) {
      const context: Context = { page: session.page, workspace };
      await sweepSteps(steps, context);
      await ensembleSteps(steps, context);
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
  console.log(`sweep-ensemble: ${steps.summary()}`);
  return steps.failedSteps.length === 0 && attempts === 0 ? 0 : 1;
}

runScenario(main);
