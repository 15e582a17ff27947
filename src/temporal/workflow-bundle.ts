import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';
import { moduleBeside, packageRoot } from '../package-root.js';

/** Where `npm run build:workflows` puts the pre-bundled workflow code for production start-up. */
export function prebuiltBundlePath(root: string = packageRoot()): string {
  return join(root, 'dist', 'workflow-bundle.js');
}

/** The production workflows' entry point: the agent workflows and nothing else. */
export function workflowsEntry(): string {
  return moduleBeside(import.meta.url, '../../workflows/index.js');
}

/**
 * The pre-built bundle when present (fast start, what the Docker image uses), else the
 * workflow sources, bundled by the worker at start-up (development).
 */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const prebuilt = process.env.EXOCLAW_WORKFLOW_BUNDLE ?? prebuiltBundlePath();
  if (existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: workflowsEntry() };
}
