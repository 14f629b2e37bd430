// End-to-end scenario of the packaged extension in code-server (a real VS Code 1.100) driven
// through headless Chromium, the way a user works with it:
//
//   1. "Distill: Start Run" on a copy of examples/mnist-quick: the progress notification, the
//      status bar item and the CodeLens while it trains, then the run in the Experiments tree
//      with the distilled and baseline test errors of its summary.json.
//   2. A config with errors: the Problems panel lists them at the expected line and column.
//   3. A short config started from its CodeLens and cancelled from the notification's Cancel
//      button: the run is marked cancelled and keeps its epoch metrics.
//   4. The same config started from the palette's config picker, then its worker process killed:
//      the run is marked failed and keeps its metrics, the teacher's evaluation included.
//   5. A second window with `--locale fr`: the tree, CodeLens and palette titles in French.
//
// Run:  npx tsx test/e2e/extension.ts [--vsix FILE] [--skip-french] [--keep-workspace]
// By default it builds the .vsix with `npm run package`. --vsix (or DISTILL_E2E_VSIX) reuses one.
// Screenshots, server logs and the workspace's run folders are described in test/e2e/README.md.
// It prints one line per step and exits 1 when a step failed.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  launchBrowser,
  openCommandPalette,
  openFile,
  openWorkbench,
  pickQuickPickItem,
  runCommand,
  screenshot,
  type BrowserSession,
  type Page,
} from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { reportAttempts } from './networkGuard';
import { buildStubLanguagePack } from './languagePack';
import { ensureTestOutputDir, repoRoot } from './paths';
import { findChildProcesses, isProcessAlive } from './processes';
import {
  acceptSimpleFileDialog,
  cancelRunTitle,
  clickNotificationButton,
  codeLensLinks,
  codeLensTexts,
  delay,
  notificationTexts,
  notificationWith,
  openProblemsPanel,
  showViewTitle,
  sideBarRows,
  sideBarRowTexts,
  startRunTitle,
  statusBarItem,
  waitForValue,
} from './workbench';

/** mnist-quick trains for about 70–110 s on 2 cores; the rest is data loading and evaluation. */
const mainRunTimeoutMs = 6 * 60_000;
/** The short config of the cancel and kill steps ends in well under a minute. */
const shortRunTimeoutMs = 3 * 60_000;

/** File names inside the temporary workspace. */
const mainConfig = 'distill.json';
const shortConfig = 'short.distill.json';
const invalidConfig = 'invalid.distill.json';

/**
 * A config that gives the cancel and kill steps time to act: a small teacher with several
 * epochs (a few seconds each), then a small student with many quick epochs on 3 000 images.
 */
const shortConfigText = `{
  // Cancel and kill scenarios of the end-to-end test: a few quick teacher epochs, then many
  // student epochs, so the test can act during either model's training.
  "name": "e2e-short",
  "seed": 1,
  "data": { "source": "mnist", "validation": 5000 },
  "teacher": {
    "model": { "type": "mlp", "hidden": [128], "dropout": 0.2 },
    "train": { "epochs": 4, "batchSize": 128, "optimizer": "adam", "learningRate": 0.001 }
  },
  "student": {
    "model": { "type": "mlp", "hidden": [64] },
    "train": { "epochs": 200, "batchSize": 128, "optimizer": "adam", "learningRate": 0.001 }
  },
  "distillation": { "temperature": 4, "softWeight": 0.9, "hardWeight": 0.1 },
  "baseline": true,
  "transfer": { "examples": 3000 }
}
`;

interface Options {
  vsix?: string;
  skipFrench: boolean;
  keepWorkspace: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { vsix: process.env.DISTILL_E2E_VSIX, skipFrench: false, keepWorkspace: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--vsix') {
      const value = argv[++index];
      if (value === undefined) {
        throw new Error('--vsix needs a file name: --vsix distill-lab-0.1.0.vsix');
      }
      options.vsix = value;
    } else if (argument === '--skip-french') {
      options.skipFrench = true;
    } else if (argument === '--keep-workspace') {
      options.keepWorkspace = true;
    } else {
      throw new Error(`unknown argument ${argument}; use --vsix FILE, --skip-french or --keep-workspace`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// Steps

class StepFailure extends Error {}

/** Runs named steps, prints one line each, and takes a screenshot of the page when one fails. */
class Steps {
  private passed = 0;
  private failed: string[] = [];
  page?: Page;

  async run(name: string, body: () => Promise<void>): Promise<boolean> {
    const start = Date.now();
    try {
      await body();
      this.passed++;
      console.log(`ok   ${name} (${seconds(Date.now() - start)})`);
      return true;
    } catch (error) {
      const shot = await this.failureScreenshot(name);
      this.failed.push(name);
      console.log(`FAIL ${name} (${seconds(Date.now() - start)}): ${(error as Error).message}`);
      if (!(error instanceof StepFailure) && (error as Error).stack !== undefined) {
        console.log(indent((error as Error).stack as string));
      }
      console.log(`     screenshot of the failure: ${shot}`);
      return false;
    }
  }

  private async failureScreenshot(name: string): Promise<string> {
    if (this.page === undefined) {
      return '(no browser page yet)';
    }
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    try {
      return await screenshot(this.page, `extension-FAILED-${slug}`);
    } catch (error) {
      return `(screenshot failed: ${(error as Error).message})`;
    }
  }

  get failedSteps(): readonly string[] {
    return this.failed;
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed.length} failed`;
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new StepFailure(message);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `     ${line}`)
    .join('\n');
}

function logShot(file: string, shows: string): void {
  console.log(`     screenshot: ${file}\n       shows: ${shows}`);
}

// ---------------------------------------------------------------------------------------------
// Workspace and run folders on disk

function buildVsix(): string {
  console.log('     building the .vsix with `npm run package` …');
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  const vsix = path.join(repoRoot, `${manifest.name}-${manifest.version}.vsix`);
  check(fs.existsSync(vsix), `npm run package did not write ${vsix}`);
  return vsix;
}

/**
 * Copies examples/mnist-quick into a temporary folder and adds the short config and the invalid
 * one. All three exist before the server starts, because Quick Open (Ctrl+P) in code-server
 * 4.100 found no match for a config written while the window was open.
 */
/** Deletes the screenshots of an earlier run, so that test-output/e2e shows this run's only. */
function removeOldScreenshots(): void {
  const dir = ensureTestOutputDir();
  for (const name of fs.readdirSync(dir)) {
    if (/^extension-.*\.png$/.test(name)) {
      fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}

function createWorkspace(): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-e2e-extension-'));
  fs.cpSync(path.join(repoRoot, 'examples', 'mnist-quick'), workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, shortConfig), shortConfigText);
  fs.writeFileSync(path.join(workspace, invalidConfig), invalidConfigText(fs.readFileSync(path.join(workspace, mainConfig), 'utf8')));
  return workspace;
}

/** Returns mnist-quick's config with a string for the teacher's epochs and a misspelt top-level field. */
function invalidConfigText(mnistQuick: string): string {
  const text = mnistQuick
    .replace('"name": "mnist-quick"', '"name": "mnist-invalid"')
    .replace('"epochs": 3,', '"epochs": "ten",')
    .replace('"baseline": true,', '"baseline": true,\n  "temprature": 4,');
  check(text.includes('"ten"') && text.includes('"temprature"'), 'examples/mnist-quick/distill.json changed: the test could not insert its errors');
  return text;
}

interface RunSummaryOnDisk {
  runId: string;
  name: string;
  status: string;
  error?: string;
  pid?: number;
  models: Record<string, { errors: number; accuracy: number } | undefined>;
}

interface RunEventOnDisk {
  type: string;
  role?: string;
  epoch?: number;
  loss?: number;
  status?: string;
  level?: string;
  message?: string;
}

function runsDir(workspace: string): string {
  return path.join(workspace, '.distill', 'runs');
}

/** Run folders of the workspace whose summary names `configName`, oldest first. */
function runDirsOf(workspace: string, configName: string): string[] {
  const dir = runsDir(workspace);
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .sort()
    .map((name) => path.join(dir, name))
    .filter((runDir) => readSummary(runDir)?.name === configName);
}

function readSummary(runDir: string): RunSummaryOnDisk | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as RunSummaryOnDisk;
  } catch {
    return undefined;
  }
}

/** Parses events.jsonl; every line must be valid JSON, a half-written last line included. */
function readEvents(runDir: string): RunEventOnDisk[] {
  const file = path.join(runDir, 'events.jsonl');
  if (!fs.existsSync(file)) {
    return [];
  }
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  return lines.map((line, index) => {
    try {
      return JSON.parse(line) as RunEventOnDisk;
    } catch {
      throw new StepFailure(`line ${index + 1} of ${file} is not valid JSON: ${line.slice(0, 120)}`);
    }
  });
}

function epochEvents(runDir: string, role?: string): RunEventOnDisk[] {
  return readEvents(runDir).filter((event) => event.type === 'run/epoch' && (role === undefined || event.role === role));
}

/** Waits for a new run folder of `configName`, one not in `before`, and returns it. */
async function waitForNewRun(workspace: string, configName: string, before: readonly string[], timeoutMs: number): Promise<string> {
  const dirs = await waitForValue(
    () => runDirsOf(workspace, configName).filter((dir) => !before.includes(dir)),
    (found) => found.length > 0,
    `a new run folder of ${configName} in ${runsDir(workspace)}`,
    timeoutMs,
  );
  return dirs[0];
}

async function waitForStatus(runDir: string, statuses: readonly string[], timeoutMs: number): Promise<RunSummaryOnDisk> {
  return (await waitForValue(
    () => readSummary(runDir),
    (summary) => summary !== undefined && statuses.includes(summary.status),
    `status ${statuses.join(' or ')} in ${path.join(runDir, 'summary.json')}`,
    timeoutMs,
    500,
  )) as RunSummaryOnDisk;
}

// ---------------------------------------------------------------------------------------------
// Workbench actions

/**
 * Shows the Distill view container, whose only view is the Experiments tree. Its command appears
 * once the extension host has read the extension's manifest, which can take more than 10 s
 * after a reload while the machine is busy.
 */
async function showExperiments(page: Page, timeoutMs = 30_000): Promise<void> {
  await runCommand(page, showViewTitle, timeoutMs);
  await page.locator('.part.sidebar .composite.title', { hasText: /Distill/i }).first().waitFor({ timeout: 10_000 });
}

/** Drags the sash at the side bar's right edge so that the tree's descriptions fit. */
async function widenSideBar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (box === null || box.width >= width) {
    return;
  }
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 5 });
  await page.mouse.up();
}

/** Expands every collapsed row of the side bar's trees, once, from top to bottom. */
async function expandSideBarRows(page: Page): Promise<void> {
  const collapsed = page.locator('.part.sidebar .monaco-list-row[aria-expanded="false"]');
  for (let attempt = 0; attempt < 10 && (await collapsed.count()) > 0; attempt++) {
    await collapsed.first().click();
    await delay(300);
  }
}

/** Clicks the editor so that keyboard shortcuts go to the workbench, not to a panel or terminal. */
async function focusEditorArea(page: Page): Promise<void> {
  await page.locator('.part.editor').click({ position: { x: 400, y: 300 } });
}

/**
 * Waits for a CodeLens that `accept` takes, and returns every CodeLens text. When none appears
 * within 10 s, it clicks into the editor and waits 10 s more, and logs that it did.
 * NOTE: VS Code 1.100 drops a scheduled CodeLens refresh when the editor loses focus
 * (onDidBlurEditorText) and schedules the next one on the provider's next change event or on
 * focus. A last change event just before the editor loses focus can leave the lens stale.
 */
async function waitForCodeLens(page: Page, accept: (text: string) => boolean, description: string): Promise<string[]> {
  try {
    return await waitForValue(() => codeLensTexts(page), (found) => found.some(accept), description, 10_000, 500);
  } catch {
    console.log(`     ${description} did not appear within 10 s: ${(await codeLensTexts(page)).join(' | ')}; clicking into the editor`);
    await focusEditorArea(page);
    return waitForValue(() => codeLensTexts(page), (found) => found.some(accept), `${description} after focusing the editor`, 10_000, 500);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario

interface Context {
  page: Page;
  server: CodeServer;
  workspace: string;
}

async function mainRun(steps: Steps, context: Context): Promise<void> {
  const { page, workspace } = context;
  let runDir: string | undefined;

  await steps.run('Experiments view shows the welcome text before any run', async () => {
    await showExperiments(page);
    await widenSideBar(page, 520);
    const welcome = page.locator('.part.sidebar .welcome-view-content', { hasText: 'No runs yet' });
    await welcome.waitFor({ timeout: 20_000 });
    logShot(await screenshot(page, 'extension-01-welcome'), 'the Distill side bar with the "No runs yet" welcome text and its Start Run button');
  });

  await steps.run(`"${startRunTitle}" starts mnist-quick and shows progress`, async () => {
    await openFile(page, mainConfig);
    await runCommand(page, startRunTitle, 30_000);
    // The workspace has three configs, so Start Run shows a config picker with the active editor's first.
    await pickQuickPickItem(page, mainConfig, 20_000);
    runDir = await waitForNewRun(workspace, 'mnist-quick', [], 60_000);
    console.log(`     run folder: ${runDir}`);

    // The notification reports the phase and epoch once the teacher trains.
    const toast = notificationWith(page, 'Distill: mnist-quick');
    await toast.waitFor({ timeout: 30_000 });
    await waitForValue(() => toast.innerText(), (text) => /epoch \d+\/\d+/.test(text), 'an epoch in the progress notification', 120_000, 500);
    const toastText = (await toast.innerText()).replace(/\s+/g, ' ');
    console.log(`     notification: ${toastText}`);
    check(/Cancel/.test(toastText), `the progress notification has no Cancel button: ${toastText}`);

    // The status bar names the model in training and its epoch: "mnist-quick: Teacher 1/3".
    const status = statusBarItem(page, 'mnist-quick:');
    await status.waitFor({ timeout: 10_000 });
    const statusText = await waitForValue(
      async () => (await status.innerText()).trim(),
      (text) => /^mnist-quick: (Teacher|Distilled student|Baseline student) \d+\/\d+/.test(text),
      'the model and epoch in the status bar item',
      15_000,
      500,
    );
    console.log(`     status bar: ${statusText}`);

    let rows: string[] = [];
    await waitForValue(async () => (rows = await sideBarRowTexts(page)), (found) => found.some((row) => /epoch \d+\/\d+/.test(row)), 'a tree row with the running epoch', 10_000, 500).catch(() => undefined);
    console.log(`     tree: ${rows.join(' | ')}`);
    check(rows.some((row) => /epoch \d+\/\d+/.test(row)), `no tree row shows the running epoch: ${rows.join(' | ')}`);
    logShot(await screenshot(page, 'extension-02-progress-teacher'), 'the progress notification with its Cancel button, the status bar item and the running run in the tree');
  });

  await steps.run('CodeLens shows Start run and the running run', async () => {
    const texts = await waitForValue(
      () => codeLensTexts(page),
      (found) => found.some((text) => text.includes('Start run')) && found.some((text) => text.startsWith('Running ')),
      'the Start run and Running CodeLens in distill.json',
      20_000,
      500,
    );
    console.log(`     CodeLens: ${texts.join(' | ')}`);
    logShot(await screenshot(page, 'extension-03-codelens-running'), 'distill.json with the "▶ Start run" and "Running …" CodeLens above its first line');
  });

  await steps.run('progress follows the run to the distilled student', async () => {
    check(runDir !== undefined, 'the run did not start');

    // The notification and the status bar follow the run into the distilled student's training.
    const progressToast = notificationWith(page, 'Distill: mnist-quick');
    const progressText = await waitForValue(
      async () => (await progressToast.innerText()).replace(/\s+/g, ' '),
      (text) => /Distilled student: epoch \d+\/30 · run \d+ ?%/.test(text),
      'the distilled student in the progress notification',
      mainRunTimeoutMs,
      500,
    );
    // The status bar follows RunsModel, which refreshes live progress every 500 ms.
    const statusText = await waitForValue(
      async () => (await statusBarItem(page, 'mnist-quick:').innerText()).trim(),
      (text) => /^mnist-quick: Distilled student \d+\/30$/.test(text),
      "the distilled student's epoch in the status bar item",
      5_000,
      250,
    );
    console.log(`     notification: ${progressText}\n     status bar: ${statusText}`);
    logShot(await screenshot(page, 'extension-04-progress-student'), 'the progress notification and the status bar during the distilled student\'s epochs');
  });

  await steps.run('mnist-quick completes and the tree shows distilled vs baseline errors', async () => {
    check(runDir !== undefined, 'the run did not start');
    const summary = await waitForStatus(runDir, ['completed', 'failed', 'cancelled', 'interrupted'], mainRunTimeoutMs);
    check(summary.status === 'completed', `mnist-quick ended ${summary.status}: ${summary.error ?? ''}`);
    const distilled = summary.models.distilled?.errors;
    const baseline = summary.models.baseline?.errors;
    const teacher = summary.models.teacher?.errors;
    check(distilled !== undefined && baseline !== undefined && teacher !== undefined, `summary.json lacks a model: ${JSON.stringify(Object.keys(summary.models))}`);
    console.log(`     summary.json: teacher ${teacher}, distilled ${distilled}, baseline ${baseline} test errors`);

    const completedToast = notificationWith(page, /Run .* completed/);
    await completedToast.waitFor({ timeout: 20_000 });
    const toastText = (await completedToast.innerText()).replace(/\s+/g, ' ');
    console.log(`     notification: ${toastText}`);
    check(toastText.includes(`${distilled} vs baseline student ${baseline}`), `the completion message does not show ${distilled} vs ${baseline}: ${toastText}`);

    const expected = `${distilled} vs ${baseline} errors`;
    const rows = await waitForValue(() => sideBarRowTexts(page), (found) => found.some((row) => row.includes(expected)), `a tree row with "${expected}"`, 20_000, 500);
    await expandSideBarRows(page);
    const expanded = await sideBarRowTexts(page);
    console.log(`     tree: ${expanded.join(' | ')}`);
    check(rows.length > 0, 'the tree is empty');
    for (const [role, label] of [
      ['teacher', 'Teacher'],
      ['distilled', 'Distilled student'],
      ['baseline', 'Baseline student'],
    ] as const) {
      const errors = summary.models[role]?.errors as number;
      check(
        expanded.some((row) => row.startsWith(label) && row.includes(`${errors} errors`)),
        `no tree row "${label} … ${errors} errors": ${expanded.join(' | ')}`,
      );
    }
    logShot(await screenshot(page, 'extension-05-tree-completed'), 'the completed run in the tree with distilled vs baseline errors, expanded to its three models');
  });

  await steps.run('CodeLens shows the latest result', async () => {
    check(runDir !== undefined, 'the run did not start');
    const summary = readSummary(runDir) as RunSummaryOnDisk;
    const expected = `distilled ${summary.models.distilled?.errors} vs baseline ${summary.models.baseline?.errors} errors`;
    await openFile(page, mainConfig);
    const texts = await waitForValue(() => codeLensTexts(page), (found) => found.some((text) => text.includes(expected)), `a CodeLens with "${expected}"`, 20_000, 500);
    console.log(`     CodeLens: ${texts.join(' | ')}`);
    check(!(await statusBarItem(page, 'mnist-quick:').isVisible()), 'the status bar item is still shown after the run ended');
    logShot(await screenshot(page, 'extension-06-codelens-result'), 'distill.json with "▶ Start run" and "Last run …: distilled N vs baseline M errors"; no Distill status bar item');
  });
}

/** Finds the 1-based line and column of the first `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  if (offset === -1) {
    throw new Error(`"${needle}" is not in the config text`);
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

async function invalidConfigStep(steps: Steps, context: Context): Promise<void> {
  const { page, workspace } = context;

  await steps.run('invalid config: Problems panel lists its errors at their ranges', async () => {
    const text = fs.readFileSync(path.join(workspace, invalidConfig), 'utf8');
    const epochs = positionOf(text, '"ten"');
    const unknown = positionOf(text, '"temprature"');

    await openFile(page, invalidConfig);
    const rows = await openProblemsPanel(page);
    const texts = await waitForValue(
      async () => (await rows.allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim()),
      (found) => found.filter((row) => /distill/.test(row) && /\[Ln \d+, Col \d+\]/.test(row)).length >= 2,
      'two distill problems in the Problems panel',
      20_000,
      500,
    );
    console.log(`     Problems panel:\n${texts.map((row) => `       ${row}`).join('\n')}`);

    const ours = texts.filter((row) => /\bdistill\b/.test(row) && /\[Ln \d+, Col \d+\]/.test(row));
    const at = (position: { line: number; column: number }): string => `[Ln ${position.line}, Col ${position.column}]`;
    check(ours.some((row) => row.includes(at(epochs))), `no distill problem at ${at(epochs)} ("ten"): ${ours.join(' | ')}`);
    check(ours.some((row) => row.includes(at(unknown))), `no distill problem at ${at(unknown)} ("temprature"): ${ours.join(' | ')}`);
    // The editor schema keeps VS Code's JSON service from repeating these mistakes without our
    // fix text. Its problems would come from the same file open, so a few seconds more suffice.
    await delay(3_000);
    const later = (await rows.allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
    const schemaProblems = later.filter((row) => /Incorrect type|is not allowed|Value is not accepted|Missing property/.test(row));
    check(schemaProblems.length === 0, `the JSON service repeats config mistakes: ${schemaProblems.join(' | ')}`);
    // A CodeLens above the config counts its errors.
    const lenses = await waitForCodeLens(page, (title) => title === `⚠ ${ours.length} errors`, `a "⚠ ${ours.length} errors" CodeLens`);
    console.log(`     CodeLens: ${lenses.join(' | ')}`);
    logShot(await screenshot(page, 'extension-07-problems'), `invalid.distill.json with squiggles and the Problems panel: "ten" at ${at(epochs)}, "temprature" at ${at(unknown)}`);
  });

  await steps.run('invalid config: Start run refuses it and names the first error', async () => {
    // CodeLens of the open invalid config, so no config picker appears.
    await focusEditorArea(page);
    await codeLensLinks(page).filter({ hasText: 'Start run' }).first().click();
    const toast = notificationWith(page, /Cannot start invalid\.distill\.json/);
    await toast.waitFor({ timeout: 20_000 });
    const toastText = (await toast.innerText()).replace(/\s+/g, ' ');
    console.log(`     notification: ${toastText}`);
    check(runDirsOf(workspace, 'mnist-invalid').length === 0, 'a run folder was created for the invalid config');
    logShot(await screenshot(page, 'extension-08-invalid-start'), 'the error notification "Cannot start invalid.distill.json: the config has N errors…" with Show problem');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Shift+M');
  });
}

async function cancelStep(steps: Steps, context: Context): Promise<void> {
  const { page, workspace } = context;

  await steps.run('cancel from the notification marks the run cancelled and keeps its metrics', async () => {
    await openFile(page, shortConfig);
    await focusEditorArea(page);
    const startLens = codeLensLinks(page).filter({ hasText: 'Start run' }).first();
    await startLens.waitFor({ timeout: 20_000 });
    await startLens.click();

    const runDir = await waitForNewRun(workspace, 'e2e-short', [], 60_000);
    console.log(`     run folder: ${runDir}`);
    await waitForValue(() => epochEvents(runDir, 'teacher').length, (count) => count >= 1, 'a teacher epoch in events.jsonl', shortRunTimeoutMs, 200);

    const toastTitle = 'Distill: e2e-short';
    await notificationWith(page, toastTitle).waitFor({ timeout: 10_000 });
    logShot(await screenshot(page, 'extension-09-before-cancel'), 'the e2e-short progress notification with its Cancel button, during the teacher\'s training');
    await clickNotificationButton(page, toastTitle, 'Cancel');
    const cancelledAt = Date.now();

    const summary = await waitForStatus(runDir, ['cancelled', 'failed', 'completed', 'interrupted'], 60_000);
    console.log(`     summary.json: status ${summary.status} ${seconds(Date.now() - cancelledAt)} after the click; error: ${summary.error ?? '(none)'}`);
    check(summary.status === 'cancelled', `the run ended ${summary.status} instead of cancelled`);

    const epochs = epochEvents(runDir);
    console.log(`     events.jsonl: ${epochs.length} epoch events (${epochs.map((event) => `${event.role} ${event.epoch}`).join(', ')})`);
    check(epochs.length >= 1, 'events.jsonl kept no epoch metrics');
    check(epochs.every((event) => typeof event.loss === 'number' && Number.isFinite(event.loss)), 'an epoch event has no finite loss');
    const events = readEvents(runDir);
    const finished = events.filter((event) => event.type === 'run/finished');
    check(finished.length === 1 && finished[0].status === 'cancelled', `events.jsonl should end with one run/finished cancelled event: ${JSON.stringify(finished)}`);

    await showExperiments(page);
    const rows = await waitForValue(() => sideBarRowTexts(page), (found) => found.some((row) => /cancelled/.test(row)), 'a cancelled run in the tree', 20_000, 500);
    console.log(`     tree: ${rows.join(' | ')}`);
    const toasts = await notificationTexts(page);
    console.log(`     notifications: ${toasts.join(' | ')}`);
    check(toasts.some((text) => /Run .*e2e-short was cancelled/.test(text)), `no "Run … was cancelled" notification: ${toasts.join(' | ')}`);
    const lenses = await waitForCodeLens(page, (text) => /^Last run .*e2e-short: cancelled$/.test(text), 'the CodeLens "Last run …: cancelled" in short.distill.json');
    console.log(`     CodeLens: ${lenses.join(' | ')}`);
    logShot(await screenshot(page, 'extension-10-cancelled'), 'the tree with the e2e-short run marked cancelled, and the "was cancelled" notification');
  });

  await steps.run(`"${cancelRunTitle}" cancels the active run`, async () => {
    const before = runDirsOf(workspace, 'e2e-short');
    await openFile(page, shortConfig);
    await focusEditorArea(page);
    await codeLensLinks(page).filter({ hasText: 'Start run' }).first().click();
    const runDir = await waitForNewRun(workspace, 'e2e-short', before, 60_000);
    await waitForValue(() => epochEvents(runDir, 'teacher').length, (count) => count >= 1, 'a teacher epoch in events.jsonl', shortRunTimeoutMs, 200);

    // With one active run the command cancels it without asking which.
    await runCommand(page, cancelRunTitle, 15_000);
    const summary = await waitForStatus(runDir, ['cancelled', 'failed', 'completed', 'interrupted'], 60_000);
    console.log(`     ${path.basename(runDir)}: status ${summary.status}, ${epochEvents(runDir).length} epoch events kept`);
    check(summary.status === 'cancelled', `the run ended ${summary.status} instead of cancelled`);
    await notificationWith(page, `Run ${path.basename(runDir)} was cancelled`).waitFor({ timeout: 20_000 });
    logShot(await screenshot(page, 'extension-11-cancel-command'), 'a second e2e-short run cancelled through the palette, and its "was cancelled" notification');
  });
}

async function killStep(steps: Steps, context: Context): Promise<void> {
  const { page, server, workspace } = context;

  await steps.run('killed worker marks the run failed and keeps its metrics', async () => {
    const before = runDirsOf(workspace, 'e2e-short');
    await focusEditorArea(page);
    await runCommand(page, startRunTitle, 30_000);
    await pickQuickPickItem(page, shortConfig, 20_000);

    const runDir = await waitForNewRun(workspace, 'e2e-short', before, 60_000);
    console.log(`     run folder: ${runDir}`);
    // Killed while the distilled student trains, so summary.json already contains the teacher's evaluation.
    await waitForValue(() => epochEvents(runDir, 'distilled').length, (count) => count >= 2, 'two distilled-student epochs in events.jsonl', shortRunTimeoutMs, 200);

    const workers = findChildProcesses(server.pid, '--type=extensionHost', 'dist/worker.js');
    console.log(`     workers of this code-server's extension host: ${workers.map((worker) => `${worker.pid} (${worker.args})`).join('; ') || 'none'}`);
    check(workers.length === 1, `expected one worker process in process group ${server.pid}, found ${workers.length}`);
    const worker = workers[0];
    const summaryBefore = readSummary(runDir);
    check(summaryBefore?.pid === worker.pid, `summary.json names pid ${summaryBefore?.pid}, but the worker is ${worker.pid}`);
    check(summaryBefore?.models.teacher !== undefined, 'summary.json has no teacher evaluation before the kill');

    const runningLenses = await waitForCodeLens(page, (text) => /^Running .*e2e-short: Distilled student: epoch \d+\/200/.test(text), 'the CodeLens "Running …: Distilled student: epoch N/200"');
    console.log(`     CodeLens: ${runningLenses.join(' | ')}`);
    logShot(await screenshot(page, 'extension-12-before-kill'), 'the e2e-short run training its distilled student (tree, status bar, "Running …" CodeLens), before its worker is killed');
    process.kill(worker.pid, 'SIGKILL');
    console.log(`     sent SIGKILL to worker ${worker.pid}`);
    await waitForValue(() => isProcessAlive(worker.pid), (alive) => !alive, `worker ${worker.pid} to exit`, 10_000);

    const summary = await waitForStatus(runDir, ['failed', 'cancelled', 'completed', 'interrupted'], 30_000);
    console.log(`     summary.json: status ${summary.status}; error: ${summary.error ?? '(none)'}`);
    check(summary.status === 'failed', `the run ended ${summary.status} instead of failed`);
    check(/SIGKILL/.test(summary.error ?? ''), `the error does not name the signal: ${summary.error}`);
    check(summary.models.teacher?.errors === summaryBefore.models.teacher.errors, 'the teacher evaluation changed or was lost');

    const epochs = epochEvents(runDir);
    console.log(`     events.jsonl: ${epochs.length} epoch events; the last: ${JSON.stringify(epochs[epochs.length - 1])}`);
    check(epochs.some((event) => event.role === 'teacher') && epochs.some((event) => event.role === 'distilled'), 'events.jsonl lost the epoch metrics');
    const last = readEvents(runDir).pop();
    check(last?.type === 'run/log' && /SIGKILL/.test(last.message ?? ''), `the last event of events.jsonl does not record the kill: ${JSON.stringify(last)}`);

    await showExperiments(page);
    const rows = await waitForValue(() => sideBarRowTexts(page), (found) => found.some((row) => /failed: The worker was killed by signal SIGKILL before the run ended\.$/.test(row)), 'a failed run in the tree', 20_000, 500);
    check(rows.length > 0, 'the tree is empty');
    await expandSideBarRows(page);
    const expanded = await sideBarRowTexts(page);
    console.log(`     tree: ${expanded.join(' | ')}`);
    const teacherErrors = summary.models.teacher?.errors as number;
    check(expanded.some((row) => row.startsWith('Teacher') && row.endsWith(`${teacherErrors} errors`)), `the failed run shows no "Teacher … ${teacherErrors} errors" row`);
    const toasts = await notificationTexts(page);
    console.log(`     notifications: ${toasts.join(' | ')}`);
    check(toasts.some((text) => /Run .*e2e-short failed/.test(text)), `no "Run … failed" notification: ${toasts.join(' | ')}`);
    const lenses = await waitForCodeLens(page, (text) => /^Last run .*e2e-short: failed$/.test(text), 'the CodeLens "Last run …: failed" in short.distill.json');
    console.log(`     CodeLens: ${lenses.join(' | ')}`);
    logShot(await screenshot(page, 'extension-13-killed'), 'the tree with the e2e-short run marked failed (killed by SIGKILL) and expanded to its teacher\'s evaluation, the failure notification and the "Last run …: failed" CodeLens');
  });

  await steps.run(`"${cancelRunTitle}" is in the palette only while a run is active`, async () => {
    await openCommandPalette(page);
    await page.keyboard.type(cancelRunTitle);
    await delay(1_000);
    const listed = await page.locator('.quick-input-widget .monaco-list-row .label-name', { hasText: cancelRunTitle }).count();
    await page.keyboard.press('Escape');
    check(listed === 0, `"${cancelRunTitle}" is listed although no run is active`);
  });
}

/**
 * Opens a second window with `--locale fr` on the same workspace and checks the extension's
 * French strings. VS Code shows a language only when a language pack for it is installed, so
 * the step installs a stub pack from the workbench and reloads the page (see languagePack.ts).
 */
async function frenchStep(steps: Steps, vsix: string, workspace: string): Promise<void> {
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;
  let languagePack: string | undefined;

  try {
    await steps.run('French window: tree, CodeLens and commands use the French bundles', async () => {
      languagePack = buildStubLanguagePack('fr', 'français');
      server = await startCodeServer({ workspace, vsix, locale: 'fr', logName: 'extension-fr-code-server.log' });
      session = await launchBrowser();
      steps.page = session.page;
      const page = session.page;
      await openWorkbench(page, server.url);
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: mainConfig }).first().waitFor({ timeout: 60_000 });

      await runCommand(page, 'Extensions: Install from VSIX...', 20_000);
      await acceptSimpleFileDialog(page, languagePack);
      const languagePacksFile = path.join(server.userDataDir, 'languagepacks.json');
      await waitForValue(
        () => (fs.existsSync(languagePacksFile) ? fs.readFileSync(languagePacksFile, 'utf8') : ''),
        (text) => text.includes('"fr"'),
        `French in ${languagePacksFile}`,
        30_000,
        500,
      );
      await page.reload();
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: mainConfig }).first().waitFor({ timeout: 60_000 });

      // The reload starts a new extension host, which reads the French bundles.
      await showExperiments(page, 60_000);
      await widenSideBar(page, 520);
      await waitForValue(() => sideBarRowTexts(page), (found) => found.some((row) => /\d+ contre \d+ erreurs/.test(row)), 'a French run description ("N contre M erreurs")', 30_000, 500);
      await expandSideBarRows(page);
      const rows = await sideBarRowTexts(page);
      console.log(`     tree: ${rows.join(' | ')}`);
      check(rows.some((row) => /annulée/.test(row)), `no run described as "annulée": ${rows.join(' | ')}`);
      check(rows.some((row) => /échec : /.test(row)), `no run described as "échec : …": ${rows.join(' | ')}`);
      check(rows.some((row) => /^Élève distillé ?\d+,\d+ % · \d+ erreurs$/.test(row)), `no French model row such as "Élève distillé 95,71 % · 429 erreurs": ${rows.join(' | ')}`);
      const viewTitle = await page.locator('.part.sidebar .composite.title').first().innerText();
      check(/Expériences/i.test(viewTitle), `the view title is not French: ${viewTitle}`);

      await openFile(page, mainConfig);
      const lenses = await waitForValue(
        () => codeLensTexts(page),
        (found) => found.some((text) => text.includes('Démarrer une exécution')) && found.some((text) => text.startsWith('Dernière exécution')),
        'the French CodeLens',
        20_000,
        500,
      );
      console.log(`     CodeLens: ${lenses.join(' | ')}`);
      logShot(await screenshot(page, 'extension-14-french-tree'), 'the Experiments tree (expanded) and the CodeLens of distill.json in French');

      await openCommandPalette(page);
      await page.keyboard.type('Distill:');
      const titles = await waitForValue(
        async () => (await page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts()).map((text) => text.trim()),
        (found) => found.includes('Distill: Démarrer une exécution'),
        'the French command titles in the palette',
        15_000,
        500,
      );
      console.log(`     palette: ${titles.join(' | ')}`);
      logShot(await screenshot(page, 'extension-15-french-palette'), 'the palette filtered to "Distill:" with the French command titles');
      await page.keyboard.press('Escape');
    });
  } finally {
    await session?.close();
    await server?.stop();
    if (languagePack !== undefined) {
      fs.rmSync(path.dirname(languagePack), { recursive: true, force: true });
    }
  }
}

async function main(): Promise<number> {
  const start = Date.now();
  const options = parseOptions(process.argv.slice(2));
  const steps = new Steps();
  removeOldScreenshots();
  const workspace = createWorkspace();
  let vsix: string | undefined;
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;
  try {
    await steps.run('.vsix is ready', async () => {
      vsix = options.vsix === undefined ? buildVsix() : path.resolve(options.vsix);
      check(fs.existsSync(vsix), `.vsix file not found: ${vsix}`);
      console.log(`     ${vsix}`);
    });
    if (vsix === undefined) {
      return 1;
    }
    const packaged = vsix;

    await steps.run('code-server starts with the .vsix installed', async () => {
      server = await startCodeServer({ workspace, vsix: packaged, logName: 'extension-code-server.log' });
      session = await launchBrowser();
      steps.page = session.page;
      await openWorkbench(session.page, server.url);
      await session.page.locator('.explorer-folders-view .monaco-list-row', { hasText: mainConfig }).first().waitFor({ timeout: 60_000 });
      console.log(`     ${server.baseUrl} (process group ${server.pid}); workspace ${workspace}; log ${server.logFile}`);
    });
    if (server !== undefined && session !== undefined) {
      const context: Context = { page: session.page, server, workspace };
      await mainRun(steps, context);
      await invalidConfigStep(steps, context);
      await cancelStep(steps, context);
      await killStep(steps, context);
    }
  } finally {
    await session?.close();
    await server?.stop();
  }

  if (!options.skipFrench && vsix !== undefined) {
    await frenchStep(steps, vsix, workspace);
  }

  if (options.keepWorkspace) {
    console.log(`workspace kept: ${workspace}`);
  } else {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  const attempts = reportAttempts();
  if (steps.failedSteps.length > 0) {
    console.log(`failed steps: ${steps.failedSteps.join('; ')}`);
  }
  console.log(`total time: ${seconds(Date.now() - start)}`);
  console.log(`extension: ${steps.summary()}`);
  return steps.failedSteps.length === 0 && attempts === 0 ? 0 : 1;
}

main().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
