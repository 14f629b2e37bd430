// Drives Debian's Chromium with playwright-core the way a person uses VS Code: the command
// palette, the keyboard, screenshots, and the content of webviews. Every request from the page
// to a host other than 127.0.0.1 or localhost is refused and recorded in networkGuard.ts's
// journal, so a test can assert that none was made.
import * as path from 'node:path';

// playwright-core is installed in the e2e tools folder, which the project's root typecheck
// cannot resolve. There its types fall back to `any`. test/e2e/tsconfig.json maps the module
// to the tools folder, so `npx tsc -p test/e2e` checks these files against the real types.
// @ts-ignore
import type * as Playwright from 'playwright-core';

import { openJournal, startNetworkGuard } from './networkGuard';
import { ensureTestOutputDir, requireTool } from './paths';

export type Browser = Playwright.Browser;
export type BrowserContext = Playwright.BrowserContext;
export type Page = Playwright.Page;
export type FrameLocator = Playwright.FrameLocator;
export type Locator = Playwright.Locator;

export const chromiumPath = '/usr/bin/chromium';

/**
 * Chromium switches for a headless run with no network of its own. --host-resolver-rules makes
 * every host name except localhost fail to resolve; launchBrowser() adds --proxy-server, which
 * sends every non-loopback connection to the network guard. Both also catch Chromium's own
 * background requests, which Playwright's routing never intercepts.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  // Chromium's own services still call Google (the component updater, account and autofill
  // servers) with the switches above. These point them at port 9 of this machine, where nothing
  // listens, so that the guard records only traffic that VS Code or the extension caused.
  '--component-updater=url-source=http://127.0.0.1:9/update',
  '--gaia-url=http://127.0.0.1:9',
  '--google-apis-url=http://127.0.0.1:9',
  '--google-base-url=http://127.0.0.1:9',
  '--lso-url=http://127.0.0.1:9',
  '--autofill-server-url=http://127.0.0.1:9/',
];

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Default true. False opens a window, which needs a display such as Xvfb. */
  headless?: boolean;
  viewport?: { width: number; height: number };
}

export function isLocalUrl(url: URL): boolean {
  if (url.protocol === 'data:' || url.protocol === 'blob:') {
    return true;
  }
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** Launches Chromium, blocks non-local traffic and opens one page. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<BrowserSession> {
  const { chromium } = requireTool<typeof Playwright>('playwright-core');

  const guard = await startNetworkGuard('browser proxy');
  const browser = await chromium
    .launch({
      executablePath: chromiumPath,
      headless: options.headless ?? true,
      args: [...chromiumArgs, `--proxy-server=${guard.proxyUrl}`],
    })
    .catch(async (error: Error) => {
      await guard.close();
      throw error;
    });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });

  // Routing aborts a non-local request before Chromium opens a connection, for requests that the
  // page makes itself. Requests that pass through a service worker (code-server registers one)
  // and WebSockets reach the guard instead. WebSockets are not routed: context.routeWebSocket()
  // takes over every socket, local ones too, and the workbench's connection to code-server then
  // dropped now and then (the extension host failed to start in 6 of 23 runs).
  const routed = openJournal('browser route');
  await context.route(
    (url: URL) => !isLocalUrl(url),
    async (route: Playwright.Route) => {
      routed.push(`${route.request().method()} ${route.request().url()}`);
      await route.abort('blockedbyclient');
    },
  );

  const page = await context.newPage();

  return {
    browser,
    context,
    page,
    close: async () => {
      await browser.close();
      await guard.close();
    },
  };
}

/** Opens the workbench at url and waits until its main element is visible. */
export async function openWorkbench(page: Page, url: string, timeoutMs = 60_000): Promise<void> {
  await page.goto(url, { timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Opens the command palette with F1. Retries a few times, because during the first seconds the
 * workbench can move focus (restored editors, notifications) and swallow the key.
 */
export async function openCommandPalette(page: Page, attempts = 5): Promise<void> {
  const paletteInput = page.locator('.quick-input-widget .quick-input-box input');

  for (let attempt = 1; attempt <= attempts; attempt++) {
    await page.keyboard.press('F1');
    try {
      await paletteInput.waitFor({ state: 'visible', timeout: 2_000 });
      return;
    } catch {
      await page.keyboard.press('Escape');
    }
  }

  throw new Error(`the command palette did not open after pressing F1 ${attempts} times`);
}

/** Row of the open quick pick whose label is exactly `label`. */
function quickPickRow(page: Page, label: string): Playwright.Locator {
  return page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) });
}

/**
 * Opens the palette, types the title and waits for an entry titled exactly `title`, leaving the
 * palette open when it returns true. The palette lists the commands known when it opens and does
 * not add the ones that an extension contributes later, so each try reopens it.
 */
async function showCommandInPalette(page: Page, title: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const row = quickPickRow(page, title).first();

  do {
    await openCommandPalette(page);
    await page.keyboard.type(title);
    try {
      await row.waitFor({ state: 'visible', timeout: Math.max(500, Math.min(2_000, deadline - Date.now())) });
      return true;
    } catch {
      await page.keyboard.press('Escape');
    }
  } while (Date.now() < deadline);

  return false;
}

/**
 * Runs a command through the palette as a person would: F1, type its title, Enter. Throws when no
 * palette entry has exactly that title within timeoutMs.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 10_000): Promise<void> {
  if (!(await showCommandInPalette(page, title, timeoutMs))) {
    throw new Error(`command "${title}" is not in the command palette (waited ${timeoutMs} ms)`);
  }

  // Enter runs the focused row. When another command ranks first (a longer title that contains
  // this one), a click picks the exact entry.
  const focusedRow = page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused');
  const focusedLabel = await focusedRow.locator('.label-name').first().textContent();
  if (focusedLabel === title) {
    await page.keyboard.press('Enter');
  } else {
    await quickPickRow(page, title).first().click();
  }
  await waitForPaletteToClose(page, `>${title}`, timeoutMs);
}

/**
 * Waits until the palette with `typedText` in its input is gone. It is gone when the widget is
 * hidden, or when a quick pick that the command opened reuses the widget with another value.
 */
async function waitForPaletteToClose(page: Page, typedText: string, timeoutMs: number): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  const deadline = Date.now() + timeoutMs;

  while (Date.now() < deadline) {
    if (!(await widget.isVisible())) {
      return;
    }
    const value = await input.inputValue({ timeout: 1_000 }).catch(() => undefined);
    if (value !== undefined && value !== typedText) {
      return;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`the command palette was still open with "${typedText}" after ${timeoutMs} ms`);
}

/**
 * Picks the entry labelled exactly `label` in an open quick pick (one that a command opened),
 * and waits until the quick pick closes.
 */
export async function pickQuickPickItem(page: Page, label: string, timeoutMs = 10_000): Promise<void> {
  const row = quickPickRow(page, label).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: timeoutMs });
}

/** Reports whether the palette lists a command titled exactly `title`, then closes the palette. */
export async function hasCommand(page: Page, title: string, timeoutMs = 10_000): Promise<boolean> {
  const found = await showCommandInPalette(page, title, timeoutMs);
  if (found) {
    await page.keyboard.press('Escape');
  }
  return found;
}

/**
 * Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab. Quick Open's
 * file search can return no match or take long while the machine is busy, so when no entry
 * appears within `timeoutMs` it closes Quick Open and searches again, `attempts` times in all.
 */
export async function openFile(page: Page, fileName: string, timeoutMs = 10_000, attempts = 2): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: fileName }).first();

  for (let attempt = 1; attempt <= attempts; attempt++) {
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await page.keyboard.type(fileName);
    try {
      await row.waitFor({ timeout: timeoutMs });
    } catch (error) {
      await page.keyboard.press('Escape');
      if (attempt === attempts) {
        throw new Error(`Quick Open did not list ${fileName} in ${attempts} searches of ${timeoutMs} ms: ${(error as Error).message}`);
      }
      continue;
    }
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: fileName }).first().waitFor({ timeout: 10_000 });
    return;
  }
}

/** Saves a screenshot of the page as test-output/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ensureTestOutputDir(), `${name}.png`);
  // Finished CSS transitions, so a notification that is sliding in shows where it will stay.
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/**
 * Returns the document inside a webview. VS Code nests it two frames deep: an outer
 * iframe.webview (class `ready` once loaded) hosts an inner iframe#active-frame with the
 * extension's HTML. `index` picks among several open webviews, in page order.
 */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.locator('iframe.webview.ready').nth(index).contentFrame().frameLocator('iframe#active-frame');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Returns the series labels of a webview chart's uPlot legend, without the x series. */
export async function legendSeries(frame: FrameLocator, chartId: string): Promise<string[]> {
  const labels = await frame.locator(`[data-testid="${chartId}"] .u-legend .u-series th`).allTextContents();
  return labels.slice(1).map((label) => label.trim());
}
