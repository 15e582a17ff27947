// `npm run build:workflows`: bundles the workflow code once, ahead of time, into
// dist/workflow-bundle.js. Workers find it there (or at $EXOCLAW_WORKFLOW_BUNDLE) and skip
// the 10-30 s webpack step at start-up; rerun it after changing workflows/ or src/core/.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { agentBundleOptions } from '../src/telemetry/worker-telemetry.js';
import { prebuiltBundlePath, workflowsEntry } from '../src/temporal/workflow-bundle.js';

const target = process.argv[2] ?? prebuiltBundlePath();
const started = Date.now();
const { code } = await bundleWorkflowCode({
  workflowsPath: workflowsEntry(),
  ...agentBundleOptions(), // the OpenTelemetry workflow interceptors
  logger: new DefaultLogger('WARN'), // webpack's INFO output is a wall of text
});
mkdirSync(dirname(target), { recursive: true });
// Write then rename: a worker starting meanwhile never loads half a bundle.
const staging = `${target}.${process.pid}.tmp`;
writeFileSync(staging, code);
renameSync(staging, target);
console.log(`workflow bundle: ${target} (${(code.length / 1e6).toFixed(1)} MB, ${Date.now() - started} ms)`);
