// The extension manifest and its translations. Every `%key%` of package.json, every
// `l10n.t('…')` message under src/extension/ and every `t('…')` message under src/webview/ has an
// English and a French text with the same placeholders. The commands that the menus name are
// declared and registered.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

function readJson(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(root, relativePath), 'utf8')) as Record<string, unknown>;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(file);
    }
    return file.endsWith('.ts') ? [file] : [];
  });
}

/**
 * Collects the first argument of every call that is a string literal, unescaped, with its file:
 * `l10n.t(` on the host and `t(` in the webview, which reads the same bundles.
 */
function localizedMessages(): Map<string, string> {
  const messages = new Map<string, string>();
  collectMessages(messages, 'src/extension', /\bl10n\.t\(\s*('(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")/g);
  collectMessages(messages, 'src/webview', /(?<![.\w])t\(\s*('(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")/g);
  return messages;
}

function collectMessages(messages: Map<string, string>, folder: string, call: RegExp): void {
  for (const file of sourceFiles(path.join(root, folder))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(call)) {
      // The literal is TypeScript source of this repository, so evaluating it is safe.
      const message = new Function(`return ${match[1]};`)() as string;
      messages.set(message, path.relative(root, file));
    }
  }
}

function placeholders(text: string): string[] {
  return [...new Set(text.match(/\{\d+\}/g) ?? [])].sort();
}

test('source has localized messages', () => {
  assert.ok(localizedMessages().size > 50, 'the l10n.t pattern matched almost nothing: check the regular expression');
});

test('webview messages are literals', () => {
  // A computed message could not be checked against the bundles.
  for (const file of sourceFiles(path.join(root, 'src', 'webview'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?<![.\w])t\((?!\s*['"])([^)\n]*)/g)) {
      const isDefinition = text.slice(Math.max(0, (match.index ?? 0) - 16), match.index).endsWith('export function ');
      assert.ok(isDefinition, `${path.relative(root, file)} calls t(${match[1]}) without a string literal`);
    }
  }
});

test('l10n bundles cover every message', () => {
  const english = readJson('l10n/bundle.l10n.json');
  const french = readJson('l10n/bundle.l10n.fr.json');
  for (const [message, file] of localizedMessages()) {
    assert.ok(message in english, `l10n/bundle.l10n.json lacks "${message}" (from ${file})`);
    assert.ok(message in french, `l10n/bundle.l10n.fr.json lacks "${message}" (from ${file})`);
  }
});

test('l10n bundles hold no stale keys', () => {
  const messages = localizedMessages();
  const english = readJson('l10n/bundle.l10n.json');
  const french = readJson('l10n/bundle.l10n.fr.json');
  for (const key of Object.keys(english)) {
    assert.ok(messages.has(key), `l10n/bundle.l10n.json has "${key}", which no l10n.t call uses`);
  }
  assert.deepEqual(Object.keys(french).sort(), Object.keys(english).sort());
});

test('french messages keep placeholders', () => {
  const french = readJson('l10n/bundle.l10n.fr.json');
  for (const [key, value] of Object.entries(french)) {
    assert.equal(typeof value, 'string', key);
    assert.deepEqual(placeholders(value as string), placeholders(key), `placeholders differ in the French text of "${key}"`);
  }
});

test('manifest nls keys resolve', () => {
  const manifest = readFileSync(path.join(root, 'package.json'), 'utf8');
  const keys = new Set([...manifest.matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]));
  const english = readJson('package.nls.json');
  const french = readJson('package.nls.fr.json');

  assert.ok(keys.size > 10, 'package.json uses almost no %key%');
  for (const key of keys) {
    assert.ok(key in english, `package.nls.json lacks ${key}`);
    assert.ok(key in french, `package.nls.fr.json lacks ${key}`);
  }
  assert.deepEqual(Object.keys(french).sort(), Object.keys(english).sort());
  for (const key of Object.keys(english)) {
    assert.ok(keys.has(key), `package.nls.json has ${key}, which package.json does not use`);
  }
});

interface MenuItem {
  command: string;
  when?: string;
}

test('menu commands are declared', () => {
  const manifest = readJson('package.json') as { contributes: { commands: { command: string; category: string; title: string }[]; menus: Record<string, MenuItem[]> } };
  const declared = new Set(manifest.contributes.commands.map((command) => command.command));
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const item of items) {
      assert.ok(declared.has(item.command), `${menu} names ${item.command}, which contributes.commands does not declare`);
    }
  }
  for (const command of manifest.contributes.commands) {
    assert.equal(command.category, 'Distill', command.command);
    assert.match(command.title, /^%command\.\w+%$/, command.command);
  }
});

test('declared commands are registered', () => {
  const manifest = readJson('package.json') as { contributes: { commands: { command: string }[] } };
  const source = readFileSync(path.join(root, 'src', 'extension', 'commands.ts'), 'utf8');
  for (const { command } of manifest.contributes.commands) {
    assert.ok(source.includes(`register('${command}'`), `${command} is declared but src/extension/commands.ts does not register it`);
  }
});

test('start and rerun menus need trust', () => {
  const manifest = readJson('package.json') as { contributes: { menus: Record<string, MenuItem[]> } };
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const item of items.filter((candidate) => candidate.command === 'distill.startRun' || candidate.command === 'distill.rerun')) {
      assert.match(item.when ?? '', /\bisWorkspaceTrusted\b/, `${menu}: ${item.command} must be hidden in Restricted Mode`);
    }
  }
});

test('view item menus match tree context values', () => {
  const manifest = readJson('package.json') as { contributes: { menus: Record<string, MenuItem[]> } };
  const contextValues = [
    ...['queued', 'running', 'completed', 'cancelled', 'failed', 'interrupted'].map((status) => `distill.run.${status}`),
    'distill.pending',
    ...['teacher', 'distilled', 'baseline'].map((role) => `distill.model.${role}`),
  ];
  for (const item of manifest.contributes.menus['view/item/context']) {
    const pattern = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(item.when ?? '');
    assert.ok(pattern !== null, `${item.command}: no viewItem pattern in "${item.when}"`);
    const matching = contextValues.filter((value) => new RegExp(pattern[1]).test(value));
    assert.ok(matching.length > 0, `${item.command}: /${pattern[1]}/ matches no context value of the tree`);
  }
});
