#!/usr/bin/env node
// Entry of the `distill` command; the CLI itself is bundled into dist/ by `npm run build`.
require('../dist/cli.js');
