// @vscode/test-cli configuration of `npm run test:integration`. The tests run on a fresh copy of
// test/integration/workspace/, so the runs they start never land in the repository.
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { defineConfig } from '@vscode/test-cli';

const workspace = mkdtempSync(path.join(tmpdir(), 'distill-integration-'));
cpSync('test/integration/workspace', workspace, { recursive: true });

export default defineConfig({
  label: 'integration',
  files: 'out/test/integration/**/*.test.js',
  version: 'stable',
  workspaceFolder: workspace,
  // Other extensions stay out of the way, and the fixture workspace is trusted so runs can start.
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'tdd', timeout: 180_000 },
});
