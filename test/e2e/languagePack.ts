// Builds a stub language pack: an extension that declares a display language and translates
// none of VS Code's own strings. VS Code resolves `--locale fr` to English unless a French
// language pack is installed, and then gives extensions `vscode.env.language === 'en'`. The
// Marketplace's packs cannot be downloaded here, so the stub makes VS Code resolve French
// while its own menus stay English, and extensions load their French l10n bundles.
//
// Install it from the workbench ("Extensions: Install from VSIX...") and reload the page.
// code-server 4.100's `--install-extension` does not update `<user data>/languagepacks.json`,
// the cache from which the server resolves the display language, so a pack installed that way
// is ignored.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { e2eToolsDir } from './paths';

/**
 * Writes and packages a stub language pack for `languageId` (such as `fr`) with vsce from the
 * tools folder. Returns the .vsix path, inside a new temporary folder that the caller removes.
 */
export function buildStubLanguagePack(languageId: string, languageName: string): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `distill-e2e-language-pack-${languageId}-`));
  const source = path.join(folder, 'source');
  fs.mkdirSync(path.join(source, 'translations'), { recursive: true });

  const manifest = {
    name: `e2e-language-pack-${languageId}`,
    displayName: `${languageName} display language stub for end-to-end tests`,
    description: `Declares ${languageName} as a display language without translating VS Code's own strings.`,
    publisher: 'distill-e2e',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.90.0' },
    categories: ['Language Packs'],
    contributes: {
      localizations: [
        {
          languageId,
          languageName,
          localizedLanguageName: languageName,
          translations: [{ id: 'vscode', path: './translations/main.i18n.json' }],
        },
      ],
    },
  };
  fs.writeFileSync(path.join(source, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  // VS Code falls back to its English message for every key missing from `contents`.
  fs.writeFileSync(path.join(source, 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }) + '\n');
  fs.writeFileSync(path.join(source, 'README.md'), `# ${manifest.displayName}\n\n${manifest.description}\n`);

  const vsix = path.join(folder, `${manifest.name}.vsix`);
  const vsce = path.join(e2eToolsDir, 'node_modules', '.bin', 'vsce');
  execFileSync(vsce, ['package', '--allow-missing-repository', '--skip-license', '--out', vsix], {
    cwd: source,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return vsix;
}
