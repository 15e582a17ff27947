// Vitest globalSetup: ONE Temporal dev server and ONE workflow bundle per test run.
// Bundling takes 10-30 s on small machines, so no test file should ever bundle itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { devWorkflowsEntry } from '../dev/dev-workflows.js';
import { connectOrStart } from '../dev/local-stack/dev-server.js';
import { agentBundleOptions } from '../src/telemetry/worker-telemetry.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the shared Temporal frontend. */
    temporalAddress: string;
    temporalNamespace: string;
    /** File holding the pre-built workflow bundle: production workflows plus the test ones (dev/workflows/). */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  // TEMPORAL_TEST_ADDRESS reuses a running server (e.g. `temporal server start-dev` in another shell).
  const server = await connectOrStart(process.env['TEMPORAL_TEST_ADDRESS']);
  const t1 = Date.now();
  process.stderr.write(`[global-setup] Temporal at ${server.address} (${server.process ? 'started' : 'external'}, ${t1 - t0} ms)\n`);

  const bundleDir = mkdtempSync(join(tmpdir(), 'exoclaw-bundle-'));
  try {
    const { code } = await bundleWorkflowCode({
      workflowsPath: devWorkflowsEntry(),
      ...agentBundleOptions(), // the OpenTelemetry workflow interceptors, as in production
      logger: new DefaultLogger('WARN'), // webpack's INFO output is a wall of text
    });
    const bundlePath = join(bundleDir, 'workflow-bundle.js');
    writeFileSync(bundlePath, code);
    process.stderr.write(`[global-setup] workflow bundle ${(code.length / 1e6).toFixed(1)} MB in ${Date.now() - t1} ms\n`);

    project.provide('temporalAddress', server.address);
    project.provide('temporalNamespace', server.namespace);
    project.provide('workflowBundlePath', bundlePath);
  } catch (err) {
    await server.stop();
    rmSync(bundleDir, { recursive: true, force: true });
    throw err;
  }

  return async () => {
    await server.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  };
}
