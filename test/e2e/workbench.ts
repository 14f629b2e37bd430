// Reads and clicks the parts of the VS Code 1.100 workbench that an extension fills: the side
// bar's tree views, notifications, status bar items, CodeLens and the Problems panel. The CSS
// classes are the workbench's own and can change between VS Code releases.
import type { Locator, Page } from './browser';

/** Command palette titles of the commands that the scenarios run, as VS Code 1.100 shows them in English. */
export const startRunTitle = 'Distill: Start Run';
export const cancelRunTitle = 'Distill: Cancel Run';
export const openResultsTitle = 'Distill: Open Results';
export const showViewTitle = 'View: Show Distill';
export const clearNotificationsTitle = 'Notifications: Clear All Notifications';
export const closeAllEditorsTitle = 'View: Close All Editors';
export const reloadWindowTitle = 'Developer: Reload Window';

/** Rows of the tree views in the side bar, in page order. */
export function sideBarRows(page: Page): Locator {
  return page.locator('.part.sidebar .monaco-list-row');
}

/** Returns the text of every visible side bar tree row, label and description included. */
export async function sideBarRowTexts(page: Page): Promise<string[]> {
  return normalizeTexts(await sideBarRows(page).allInnerTexts());
}

/** Notification toasts, newest last. */
export function notificationToasts(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-toast');
}

/** Returns the text of every notification toast on screen: message, source and buttons. */
export async function notificationTexts(page: Page): Promise<string[]> {
  return normalizeTexts(await notificationToasts(page).allInnerTexts());
}

/** Returns the first toast whose text contains `text`. */
export function notificationWith(page: Page, text: string | RegExp): Locator {
  return notificationToasts(page).filter({ hasText: text }).first();
}

/** Clicks the button labelled `label` on the toast that contains `text`. */
export async function clickNotificationButton(page: Page, text: string | RegExp, label: string): Promise<void> {
  const toast = notificationWith(page, text);
  await toast.hover();
  await toast.locator('.monaco-button', { hasText: new RegExp(`^\\s*${escapeRegExp(label)}\\s*$`) }).first().click();
}

/** Returns the first status bar item whose text contains `text`. */
export function statusBarItem(page: Page, text: string | RegExp): Locator {
  return page.locator('.part.statusbar .statusbar-item').filter({ hasText: text }).first();
}

/** CodeLens links of the visible editors. */
export function codeLensLinks(page: Page): Locator {
  return page.locator('.monaco-editor .codelens-decoration a');
}

/** Returns the text of every CodeLens link in the visible editors. */
export async function codeLensTexts(page: Page): Promise<string[]> {
  return normalizeTexts(await codeLensLinks(page).allInnerTexts());
}

/** Opens the Problems panel with its default keybinding and returns its rows' locator. */
export async function openProblemsPanel(page: Page): Promise<Locator> {
  await page.keyboard.press('Control+Shift+M');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
  return panel.locator('.monaco-list-row');
}

/**
 * Waits until `read` returns a value that `accept` takes, polling every `intervalMs`, and
 * returns it. Throws with `description` and the last value read when `timeoutMs` passes.
 */
export async function waitForValue<T>(
  read: () => Promise<T> | T,
  accept: (value: T) => boolean,
  description: string,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  do {
    try {
      last = await read();
      lastError = undefined;
      if (accept(last)) {
        return last;
      }
    } catch (error) {
      lastError = error;
    }
    await delay(intervalMs);
  } while (Date.now() < deadline);

  const lastSeen = lastError !== undefined ? `error: ${(lastError as Error).message}` : JSON.stringify(last);
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}; last seen: ${lastSeen}`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function normalizeTexts(texts: string[]): string[] {
  return texts.map((text) => text.replace(/\s+/g, ' ').trim()).filter((text) => text !== '');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Types a full path into VS Code's simple file dialog (the quick input that code-server shows
 * for Open File and Install from VSIX) and accepts it. The dialog fills in its start folder
 * asynchronously and would overwrite text typed earlier, so this waits for the folder listing
 * first and types again when the value was replaced. On a loaded machine the dialog can still be
 * listing the typed path's folder when Enter arrives and ignore it, so Enter is pressed again
 * while the dialog stays open with the path.
 */
export async function acceptSimpleFileDialog(page: Page, filePath: string, timeoutMs = 30_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await widget.locator('.quick-input-list .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await widget.isVisible())) {
      return;
    }
    if ((await input.inputValue()) !== filePath) {
      await input.fill(filePath);
    }
    await delay(500);
    if ((await input.inputValue()) === filePath) {
      await page.keyboard.press('Enter');
      const hidden = await widget
        .waitFor({ state: 'hidden', timeout: Math.max(1_000, Math.min(5_000, deadline - Date.now())) })
        .then(() => true)
        .catch(() => false);
      if (hidden) {
        return;
      }
    }
  }
  throw new Error(`the file dialog did not keep and accept the path ${filePath} within ${timeoutMs} ms`);
}
