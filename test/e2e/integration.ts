// Runs the extension-host integration suite (test/integration/, mocha) inside code-server, the
// way @vscode/test-electron runs it inside desktop VS Code. The workbench URL carries a payload
// with extensionDevelopmentPath (this repository, loaded as an extension under development) and
// extensionTestsPath (the bundled suite's index.js). The extension host then calls the suite's
// run() with the real `vscode` API and reports the result to the page's codeAutomationExit
// function, which this script exposes through Playwright: 0 means every test passed.
//
// Run:  npx tsx test/e2e/integration.ts [--no-build]
// It builds the bundles (`npm run build` and `node esbuild.mjs --integration-tests`) unless
// --no-build is given, opens a fresh copy of test/integration/workspace/, prints the suite's
// output, and exits with 1 when a test failed or the suite did not finish.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';

import { launchBrowser, openWorkbench, screenshot, type BrowserSession } from './browser';
import { startCodeServer, type CodeServer } from './codeServer';
import { reportAttempts } from './networkGuard';
import { repoRoot } from './paths';
import { indent, runScenario, seconds } from './scenario';

const usage = 'npx tsx test/e2e/integration.ts [--no-build]';

/** The suite starts a few tiny runs of a few seconds each; this leaves room for a busy machine. */
const suiteTimeoutMs = 10 * 60_000;

const suiteIndex = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');

function parseOptions(argv: readonly string[]): { build: boolean } {
  let build = true;
  for (const argument of argv) {
    if (argument === '--no-build') {
      build = false;
    } else {
      throw new Error(`unknown argument ${argument}. Usage: ${usage}`);
    }
  }
  return { build };
}

function buildBundles(): void {
  const start = Date.now();
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync(process.execPath, ['esbuild.mjs', '--integration-tests'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`     built dist/ and out/test/integration/ in ${seconds(Date.now() - start)}`);
}

/** Copies the fixture workspace, so the runs that the tests start never land in the repository. */
function copyWorkspace(): string {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-e2e-integration-'));
  fs.cpSync(path.join(repoRoot, 'test', 'integration', 'workspace'), workspace, { recursive: true });
  return workspace;
}

/**
 * Returns the workbench URL that loads the repository as an extension under development and runs
 * the suite. Both paths are vscode-remote URIs of the server, because the extension host that
 * loads them runs on the server and turns them back into file paths.
 */
function testWorkbenchUrl(server: CodeServer): string {
  const remote = (absolutePath: string): string => `vscode-remote://127.0.0.1:${server.port}${absolutePath}`;
  const payload = [
    ['extensionDevelopmentPath', remote(repoRoot)],
    ['extensionTestsPath', remote(suiteIndex)],
  ];
  return `${server.url}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Workbench log lines that mean the extension host did not start, so the suite will never report. */
const hostStartFailure = /remote extension host took longer than \d+s to send its ready message|Error received from starting extension host/;

/**
 * Workbench log lines about an IPC message from code-server that is not valid JSON. Seen only
 * while browser.ts routed WebSockets through Playwright's routeWebSocket (see test/e2e/README.md).
 */
const corruptMessage = /in JSON at position \d+|is not valid JSON/;

/**
 * Turns the arguments of a console call in the extension host, which VS Code passes on to
 * codeAutomationLog, into text: printf-style placeholders filled in, colour codes removed.
 */
function logText(args: unknown[]): string {
  return format(...args).replace(/\x1b\[[0-9;]*m/g, '');
}

async function main(): Promise<number> {
  const start = Date.now();
  const options = parseOptions(process.argv.slice(2));
  if (options.build) {
    buildBundles();
  }
  if (!fs.existsSync(suiteIndex)) {
    console.log(`FAIL ${suiteIndex} does not exist: run \`node esbuild.mjs --integration-tests\`, or leave out --no-build`);
    return 1;
  }

  const workspace = copyWorkspace();
  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;
  let exitCode: number | undefined;
  let corruptMessages = 0;

  try {
    server = await startCodeServer({ workspace, logName: 'integration-code-server.log' });
    console.log(`     code-server ready on ${server.baseUrl}; log: ${server.logFile}`);

    session = await launchBrowser();
    const page = session.page;

    // Both functions must exist before the workbench's scripts run, so they are exposed before
    // the page loads.
    let reportExit: (code: number) => void = () => undefined;
    const suiteExit = new Promise<number>((resolve) => {
      reportExit = resolve;
    });
    let reportHostFailure: (line: string) => void = () => undefined;
    const hostFailure = new Promise<string>((resolve) => {
      reportHostFailure = resolve;
    });
    await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
      const text = (Array.isArray(args) ? logText(args) : logText([args])).trimEnd();
      console.log(`     [${String(type)}] ${text}`);
      if (corruptMessage.test(text)) {
        corruptMessages += 1;
      }
      if (hostStartFailure.test(text)) {
        reportHostFailure(text.split('\n')[0]);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      reportExit(typeof code === 'number' ? code : Number.NaN);
    });

    const suiteStart = Date.now();
    await openWorkbench(page, testWorkbenchUrl(server));
    console.log(`     workbench loaded with the suite ${path.relative(repoRoot, suiteIndex)}; waiting for its result …`);

    const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), suiteTimeoutMs).unref());
    const outcome = await Promise.race([suiteExit, timeout, hostFailure]);
    const shot = await screenshot(page, 'integration-workbench').catch((error: Error) => `(screenshot failed: ${error.message})`);
    console.log(`     screenshot of the workbench at the end: ${shot}`);

    if (typeof outcome === 'string') {
      console.log(`FAIL the extension host did not start, so the suite never ran: ${outcome}`);
    } else if (outcome === undefined) {
      console.log(`FAIL the suite did not report an exit code within ${seconds(suiteTimeoutMs)}; see ${server.logFile} and its -logs folder`);
    } else {
      exitCode = outcome;
      console.log(`${exitCode === 0 ? 'ok  ' : 'FAIL'} integration suite exited with code ${exitCode} after ${seconds(Date.now() - suiteStart)}`);
    }
  } catch (error) {
    console.log(`FAIL ${(error as Error).message}`);
    if ((error as Error).stack !== undefined) {
      console.log(indent((error as Error).stack as string));
    }
  } finally {
    if (corruptMessages > 0) {
      console.log(
        `     the workbench logged ${corruptMessages} IPC messages from code-server that were not valid JSON; ` +
          'see "routeWebSocket corrupts code-server messages" in test/e2e/README.md',
      );
    }
    await session?.close();
    await server?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });

    if (reportAttempts() > 0) {
      exitCode = 1;
    }
    console.log(`total time: ${seconds(Date.now() - start)}`);
  }

  console.log(`integration: ${exitCode === 0 ? 'passed' : 'failed'}`);
  return exitCode === 0 ? 0 : 1;
}

runScenario(main);
