// Smoke test of the end-to-end harness: starts code-server on a temporary workspace that
// contains a distill.json, opens it in headless Chromium, runs a built-in command from the
// palette, and takes screenshots. When a .vsix of the extension is found, a second server
// installs it and the test checks that "Distill: Start Run" is in the palette.
//
// Run: npx tsx test/e2e/smoke.ts   (after scripts/e2e/install-tools.sh)
// Environment: DISTILL_E2E_VSIX picks the .vsix; by default the newest *.vsix in the repository root.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  hasCommand,
  launchBrowser,
  openCommandPalette,
  openFile,
  openWorkbench,
  runCommand,
  screenshot,
  webviewFrame,
  type BrowserSession,
} from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { forgetAttempts, recordedAttempts, reportAttempts } from './networkGuard';
import { repoRoot } from './paths';
import { startRunTitle } from './workbench';

const extensionCommandTitle = startRunTitle;

// The DOM renderer puts the terminal's text into the page, where the test can read it. The
// WebGL renderer draws it on a canvas instead.
const smokeSettings = { 'terminal.integrated.gpuAcceleration': 'off' };

class CheckList {
  private passed = 0;
  private failed = 0;

  async check(name: string, body: () => Promise<void>): Promise<boolean> {
    const start = Date.now();
    try {
      await body();
      this.passed++;
      console.log(`ok   ${name} (${Date.now() - start} ms)`);
      return true;
    } catch (error) {
      this.failed++;
      console.log(`FAIL ${name} (${Date.now() - start} ms): ${(error as Error).message}`);
      return false;
    }
  }

  get failedCount(): number {
    return this.failed;
  }

  summary(): string {
    return `${this.passed} passed, ${this.failed} failed`;
  }
}

function createWorkspace(): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-e2e-workspace-'));
  fs.copyFileSync(path.join(repoRoot, 'examples', 'mnist-quick', 'distill.json'), path.join(workspace, 'distill.json'));
  fs.writeFileSync(path.join(workspace, 'notes.md'), '# Smoke notes\n\nThe Markdown preview is a webview.\n');
  return workspace;
}

function findVsix(): string | undefined {
  if (process.env.DISTILL_E2E_VSIX) {
    return path.resolve(process.env.DISTILL_E2E_VSIX);
  }
  const candidates = fs
    .readdirSync(repoRoot)
    .filter((name) => name.endsWith('.vsix'))
    .map((name) => path.join(repoRoot, name))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return candidates[0];
}

/** Checks the harness itself with VS Code's built-in commands only. */
async function checkHarness(checks: CheckList, workspace: string): Promise<void> {
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;

  try {
    await checks.check('code-server answers /healthz', async () => {
      const start = Date.now();
      server = await startCodeServer({ workspace, settings: smokeSettings, logName: 'smoke-code-server.log' });
      console.log(`     code-server ready on ${server.baseUrl} after ${Date.now() - start} ms; log: ${server.logFile}`);
    });
    if (server === undefined) {
      return;
    }
    const serverUrl = server.url;

    await checks.check('workbench opens in Chromium', async () => {
      const start = Date.now();
      session = await launchBrowser();
      await openWorkbench(session.page, serverUrl);
      // The Explorer lists the workspace's files once the remote file system is connected.
      await session.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'distill.json' }).waitFor({ timeout: 30_000 });
      console.log(`     workbench and Explorer ready after ${Date.now() - start} ms`);
      console.log(`     screenshot: ${await screenshot(session.page, 'smoke-1-workbench')}`);
    });
    if (session === undefined) {
      return;
    }
    const page = session.page;

    await checks.check('network guard stops and counts non-local traffic', async () => {
      // Reserved names and addresses (RFC 6761 .invalid, RFC 5737 TEST-NET-1): even a guard that
      // failed would reach no real host.
      const probes = ['https://distill-probe.invalid/', 'https://192.0.2.1/probe', 'ws://192.0.2.1/probe'];
      const before = recordedAttempts().length;
      // A string, not a function: tsx would add its __name helper, which the page lacks.
      const outcomes: string[] = await page.evaluate(`Promise.all(${JSON.stringify(probes)}.map((url) =>
        url.startsWith('ws:')
          ? new Promise((resolve) => {
              const socket = new WebSocket(url);
              socket.onopen = () => resolve('opened');
              socket.onerror = () => resolve('failed');
              setTimeout(() => resolve('still pending after 10 s'), 10000);
            })
          : fetch(url).then(() => 'answered', () => 'failed')))`);
      const recorded = recordedAttempts().slice(before);
      forgetAttempts();
      console.log(`     recorded: ${recorded.join(' | ')}`);
      probes.forEach((url, index) => assert.equal(outcomes[index], 'failed', `${url} did not fail`));
      for (const url of probes) {
        const host = new URL(url).hostname;
        assert.ok(recorded.some((entry) => entry.includes(host)), `the guard recorded no attempt to reach ${url}`);
      }
      console.log(`     ${probes.length} probes failed and were recorded, then cleared from the final count`);
    });

    await checks.check('palette runs View: Toggle Terminal', async () => {
      await runCommand(page, 'View: Toggle Terminal');
      // A terminal needs node-pty, the native module that install-tools.sh has to build.
      const terminal = page.locator('.terminal-wrapper .xterm');
      await terminal.first().waitFor({ state: 'visible', timeout: 20_000 });
      await terminal.first().click();
      await page.keyboard.type('echo "smoke $((6 * 7))"');
      await page.keyboard.press('Enter');
      await page.locator('.xterm-rows', { hasText: 'smoke 42' }).first().waitFor({ timeout: 20_000 });
      console.log(`     screenshot: ${await screenshot(page, 'smoke-2-terminal')}`);

      // Moves focus back to the editor area. Shortcuts such as Ctrl+P pressed inside a terminal
      // that has had input make VS Code explain, in a notification, that they skip the shell.
      await page.locator('.part.editor').click();
    });

    await checks.check('quick open shows distill.json', async () => {
      await openFile(page, 'distill.json');
      await page.locator('.monaco-editor .view-lines', { hasText: 'mnist-quick' }).first().waitFor({ timeout: 10_000 });
      console.log(`     screenshot: ${await screenshot(page, 'smoke-3-distill-json')}`);
    });

    await checks.check('webview content is reachable', async () => {
      // The built-in Markdown preview is a webview, like the extension's results panels.
      await openFile(page, 'notes.md');
      await runCommand(page, 'Markdown: Open Preview');
      await webviewFrame(page).locator('h1', { hasText: 'Smoke notes' }).waitFor({ timeout: 20_000 });
      console.log(`     screenshot: ${await screenshot(page, 'smoke-4-webview')}`);
    });
  } finally {
    await session?.close();
    await server?.stop();
  }
}

/** Installs the packaged extension and looks for its command in the palette. */
async function checkExtension(checks: CheckList, workspace: string, vsix: string): Promise<void> {
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;

  try {
    await checks.check(`code-server starts with ${path.basename(vsix)} installed`, async () => {
      const start = Date.now();
      server = await startCodeServer({ workspace, vsix, settings: smokeSettings, logName: 'smoke-extension-code-server.log' });
      console.log(`     installed and ready after ${Date.now() - start} ms; log: ${server.logFile}`);
    });
    if (server === undefined) {
      return;
    }
    const serverUrl = server.url;

    await checks.check(`palette lists "${extensionCommandTitle}"`, async () => {
      session = await launchBrowser();
      await openWorkbench(session.page, serverUrl);
      await session.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'distill.json' }).waitFor({ timeout: 30_000 });

      // Contributed commands appear once the extension's manifest is read, which can lag the workbench.
      if (!(await hasCommand(session.page, extensionCommandTitle, 15_000))) {
        throw new Error(`"${extensionCommandTitle}" is not in the palette; see the extension host log next to ${server?.logFile}`);
      }

      await openCommandPalette(session.page);
      await session.page.keyboard.type('Distill:');
      await session.page.locator('.quick-input-widget .monaco-list-row', { hasText: extensionCommandTitle }).first().waitFor({ timeout: 5_000 });
      console.log(`     screenshot: ${await screenshot(session.page, 'smoke-5-distill-commands')}`);
      await session.page.keyboard.press('Escape');
    });
  } finally {
    await session?.close();
    await server?.stop();
  }
}

async function main(): Promise<number> {
  const start = Date.now();
  const checks = new CheckList();
  const workspace = createWorkspace();

  try {
    await checkHarness(checks, workspace);

    const vsix = findVsix();
    if (vsix === undefined) {
      console.log('skip extension checks: no *.vsix in the repository root (build one with `npm run package`, or set DISTILL_E2E_VSIX)');
    } else {
      await checkExtension(checks, workspace, vsix);
    }
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }

  const attempts = reportAttempts();
  console.log(`total time: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  console.log(`smoke: ${checks.summary()}`);
  return checks.failedCount === 0 && attempts === 0 ? 0 : 1;
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
