// Mocha entry for harnesses that load the suite through `extensionTestsPath` (such as
// @vscode/test-electron's runTests): runs every *.test.js file beside the bundled index.js.
// @vscode/test-cli does not use it: .vscode-test.mjs lists the test files itself.

import { readdirSync } from 'node:fs';
import * as path from 'node:path';

import Mocha from 'mocha';

export function run(): Promise<void> {
  // A run of the tiny config takes a few seconds; the timeout leaves room for a slow machine.
  const mocha = new Mocha({ ui: 'tdd', color: true, timeout: 180_000 });
  const testFiles = readdirSync(__dirname).filter((name) => name.endsWith('.test.js'));
  testFiles.sort().forEach((name) => mocha.addFile(path.join(__dirname, name)));

  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      if (failures > 0) {
        reject(new Error(`${failures} of the extension's integration tests failed.`));
      } else {
        resolve();
      }
    });
  });
}
