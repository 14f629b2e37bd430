// A Localizer that translates like `vscode.l10n.t` with VS Code in French, from l10n/bundle.l10n.fr.json.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { createSourceLocalizer, type Localizer } from '../../../src/extension/format';

const frenchBundle = JSON.parse(readFileSync(path.resolve(__dirname, '../../../l10n/bundle.l10n.fr.json'), 'utf8')) as Record<string, string>;

/** Throws on a message missing from the bundle, so that a test cannot pass on the English fallback. */
export function createFrenchLocalizer(): Localizer {
  const source = createSourceLocalizer('fr');
  return {
    language: 'fr',
    t: (message, ...args) => {
      const translated = frenchBundle[message];
      if (translated === undefined) {
        throw new Error(`l10n/bundle.l10n.fr.json has no translation of "${message}"`);
      }
      return source.t(translated, ...args);
    },
  };
}
