import { moduleBeside } from '../src/package-root.js';

/** The test and benchmark bundle's entry point: the production workflows plus dev/workflows/. */
export function devWorkflowsEntry(): string {
  return moduleBeside(import.meta.url, './workflows/index.js');
}
