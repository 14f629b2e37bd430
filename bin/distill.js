#!/usr/bin/env node
// Entry of the `distill` command. The CLI itself is bundled into dist/ by `npm run build`, which
// `npm ci` and `npm install` run through the `prepare` script.
const { existsSync } = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write(`error: ${bundle} is missing. Run \`npm run build\` in ${path.dirname(__dirname)} first.\n`);
  process.exit(2);
}
require(bundle);
