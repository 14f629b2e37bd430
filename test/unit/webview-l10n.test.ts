// The webview's message lookup: translations from the host's bundle, English as the fallback,
// and placeholders filled as vscode.l10n.t fills them.

import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { setTranslations, t } from '../../src/webview/l10n';

afterEach(() => setTranslations(undefined));

test('english without a bundle', () => {
  assert.equal(t('{0} of {1}', 458, '10,000'), '458 of 10,000');
});

test('bundle translates and fills placeholders', () => {
  setTranslations({ '{0} of {1}': '{0} sur {1}', Teacher: 'Enseignant' });
  assert.equal(t('{0} of {1}', 458, '10 000'), '458 sur 10 000');
  assert.equal(t('Teacher'), 'Enseignant');
});

test('missing message stays english', () => {
  setTranslations({ Teacher: 'Enseignant' });
  assert.equal(t('Distilled'), 'Distilled');
});

test('missing argument keeps its placeholder', () => {
  assert.equal(t('{0} → {1}', 'a'), 'a → {1}');
});

test('invalid bundles are ignored', () => {
  setTranslations(['Teacher']);
  assert.equal(t('Teacher'), 'Teacher');
  setTranslations({ Teacher: 3, Distilled: 'Distillé' });
  assert.equal(t('Teacher'), 'Teacher');
  assert.equal(t('Distilled'), 'Distillé');
  // Inherited properties are no translations.
  setTranslations({});
  assert.equal(t('toString'), 'toString');
});
