#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (run `npm run build` first). It starts from
// the bundle (dist/fast/, scripts/bundle-cli.mjs: a few files load much faster than the
// ~270 of the tsc output) and from dist/core/ when there is no bundle.
import { existsSync } from 'node:fs';

const bundled = new URL('../dist/fast/core/cli/main.js', import.meta.url);
const entry = existsSync(bundled) ? bundled.href : '../dist/core/cli/main.js';
import(entry).then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`tsplay: internal error: ${err?.message ?? err}`); process.exitCode = 1; },
);
