// Translations of the webview's own text. English is the source language: every message is an
// English string with `{0}`, `{1}` … placeholders, like `vscode.l10n.t` on the host. The host
// writes `vscode.l10n.bundle` (the display language's l10n/bundle.l10n.<language>.json) into the
// page, and a message missing from it stays English.

let translations: Readonly<Record<string, string>> = {};

/** Sets the translated messages from an object, keeping its string values only; anything else leaves the text English. */
export function setTranslations(bundle: unknown): void {
  const entries = typeof bundle === 'object' && bundle !== null && !Array.isArray(bundle) ? Object.entries(bundle) : [];
  translations = Object.fromEntries(entries.filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** Returns the message in the display language, with `{n}` replaced by the n-th argument. */
export function t(message: string, ...args: (string | number)[]): string {
  const translated = Object.prototype.hasOwnProperty.call(translations, message) ? translations[message] : message;
  return translated.replace(/\{(\d+)\}/g, (match, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? match : String(value);
  });
}
