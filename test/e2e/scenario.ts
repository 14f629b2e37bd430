// Pieces shared by the end-to-end scenarios: named steps that print one line each and take a
// screenshot when they fail, the --vsix option, and packaging the extension into a .vsix.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { screenshot, type Page } from './browser';
import { ensureTestOutputDir, repoRoot } from './paths';

/** A failed expectation. Steps print its message without a stack trace. */
export class StepFailure extends Error {}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new StepFailure(message);
  }
}

/**
 * Runs named steps in order and prints `ok` or `FAIL` with the time of each. A failed step gets a
 * screenshot of `page`, named `<prefix>-FAILED-<step>.png`, whose path is printed.
 */
export class Steps {
  private readonly passed: string[] = [];
  private readonly failed: { name: string; screenshot: string }[] = [];
  page?: Page;

  constructor(private readonly screenshotPrefix: string) {}

  async run(name: string, body: () => Promise<void>): Promise<boolean> {
    const start = Date.now();
    try {
      await body();
      this.passed.push(name);
      console.log(`ok   ${name} (${seconds(Date.now() - start)})`);
      return true;
    } catch (error) {
      const shot = await this.failureScreenshot(name);
      this.failed.push({ name, screenshot: shot });
      console.log(`FAIL ${name} (${seconds(Date.now() - start)}): ${(error as Error).message}`);
      if (!(error instanceof StepFailure) && (error as Error).stack !== undefined) {
        console.log(indent((error as Error).stack as string));
      }
      console.log(`     screenshot of the failure: ${shot}`);
      return false;
    }
  }

  /** Records a step that did not run because an earlier one failed. */
  skip(name: string, reason: string): void {
    this.failed.push({ name, screenshot: '(not run)' });
    console.log(`FAIL ${name}: not run, because ${reason}`);
  }

  get failedSteps(): readonly { name: string; screenshot: string }[] {
    return this.failed;
  }

  summary(): string {
    return `${this.passed.length} passed, ${this.failed.length} failed`;
  }

  private async failureScreenshot(name: string): Promise<string> {
    if (this.page === undefined || this.page.isClosed()) {
      return '(no browser page)';
    }
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
    try {
      return await screenshot(this.page, `${this.screenshotPrefix}-FAILED-${slug}`);
    } catch (error) {
      return `(screenshot failed: ${(error as Error).message})`;
    }
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `     ${line}`)
    .join('\n');
}

/** Prints a screenshot's path and what it shows. */
export function logScreenshot(file: string, shows: string): void {
  console.log(`     screenshot: ${file}\n       shows: ${shows}`);
}

/**
 * Reads `--vsix FILE` from the arguments, or DISTILL_E2E_VSIX from the environment. Throws on any
 * other argument, naming the accepted ones.
 */
export function parseVsixOption(argv: readonly string[], usage: string): { vsix?: string } {
  let vsix = process.env.DISTILL_E2E_VSIX || undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--vsix') {
      const value = argv[++index];
      if (value === undefined) {
        throw new Error(`--vsix needs a file name. Usage: ${usage}`);
      }
      vsix = value;
    } else {
      throw new Error(`unknown argument ${argument}. Usage: ${usage}`);
    }
  }
  return { vsix: vsix === undefined ? undefined : path.resolve(vsix) };
}

/** Default output of packageVsix(): inside test-output/, so a .vsix in the repository root is left alone. */
export function defaultVsixPath(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  return path.join(ensureTestOutputDir(), `${manifest.name}-${manifest.version}.vsix`);
}

/**
 * Packs the extension with `npm run package -- --out FILE`. vsce runs `vscode:prepublish`
 * (`npm run build`) first, which bundles the extension host, the worker and the webview.
 */
export function packageVsix(outFile = defaultVsixPath()): string {
  const start = Date.now();
  console.log(`     building and packaging the extension into ${outFile} …`);
  fs.rmSync(outFile, { force: true });
  execFileSync('npm', ['run', 'package', '--silent', '--', '--out', outFile], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  check(fs.existsSync(outFile), `npm run package did not write ${outFile}`);
  console.log(`     packaged in ${seconds(Date.now() - start)}: ${outFile} (${(fs.statSync(outFile).size / 1e6).toFixed(1)} MB)`);
  return outFile;
}

/** Runs a scenario's main function and sets the process exit code from its result. */
export function runScenario(main: () => Promise<number>): void {
  main().then(
    (exitCode) => {
      process.exitCode = exitCode;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
