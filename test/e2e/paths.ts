// Folders shared by the end-to-end harness, and loading of the npm tools that
// scripts/e2e/install-tools.sh puts outside the project's own node_modules.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Tools folder with code-server, playwright-core and @vscode/vsce (kept out of git). */
export const e2eToolsDir = process.env.DISTILL_E2E_TOOLS_DIR
  ? path.resolve(process.env.DISTILL_E2E_TOOLS_DIR)
  : path.join(repoRoot, '.e2e-tools');

/** Screenshots and server logs of the end-to-end tests (test-output/ is ignored by git). */
export const testOutputDir = path.join(repoRoot, 'test-output', 'e2e');

export const codeServerEntry = path.join(e2eToolsDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export function ensureTestOutputDir(): string {
  fs.mkdirSync(testOutputDir, { recursive: true });
  return testOutputDir;
}

/**
 * Loads an npm package from the tools folder. Node would not find it from test/e2e, because
 * the tools folder is not on the resolution path of the project's sources.
 */
export function requireTool<T>(packageName: string): T {
  const toolsRequire = createRequire(path.join(e2eToolsDir, 'package.json'));
  try {
    return toolsRequire(packageName) as T;
  } catch (error) {
    throw new Error(
      `${packageName} was not found in ${e2eToolsDir} (${(error as Error).message}). ` +
        'Run scripts/e2e/install-tools.sh, or set DISTILL_E2E_TOOLS_DIR to the folder it installed into.',
    );
  }
}

export function assertCodeServerInstalled(): void {
  if (!fs.existsSync(codeServerEntry)) {
    throw new Error(
      `code-server was not found at ${codeServerEntry}. ` +
        'Run scripts/e2e/install-tools.sh, or set DISTILL_E2E_TOOLS_DIR to the folder it installed into.',
    );
  }
}
