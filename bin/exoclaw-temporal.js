#!/usr/bin/env node
// The `exoclaw-temporal` command. A published package or image ships the compiled CLI (dist/)
// and runs it: no TypeScript at run time. A clone has the sources beside this file and runs
// them through tsx (a dev dependency), so an edit needs no build step.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'cli.ts');
const compiled = join(root, 'dist', 'src', 'cli.js');

let entry = compiled;
if (existsSync(sources) && process.env.EXOCLAW_RUN_COMPILED !== '1') {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = sources;
  } catch {
    // No tsx (production install of a clone): fall back to the compiled CLI.
  }
}
if (!existsSync(entry)) {
  console.error(`exoclaw-temporal: ${compiled} is missing. Run \`npm run build\` first.`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
