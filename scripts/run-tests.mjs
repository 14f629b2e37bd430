// Runs test files with node's test runner, TypeScript loaded by tsx. Each argument is a folder,
// searched for *.test.ts files, or one test file; the default is test/unit. Node 20's `--test`
// takes no glob patterns, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(folder) {
  const stats = statSync(folder, { throwIfNoEntry: false });
  if (stats === undefined) {
    console.error(`run-tests: ${folder} not found; pass test folders or *.test.ts files`);
    process.exit(2);
  }
  if (!stats.isDirectory()) {
    return [folder];
  }
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      return findTests(path);
    }
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const paths = process.argv.slice(2);
const files = (paths.length > 0 ? paths : ['test/unit']).flatMap(findTests).sort();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
