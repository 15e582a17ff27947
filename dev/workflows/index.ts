// The test and benchmark workflow bundle: every production workflow, plus the harness's proof of
// life and the benchmark's empty-activity floor. Production workers never load this file.
export * from '../../workflows/index.js';
export { smokeWorkflow } from './smoke-workflow.js';
export { benchEmptyActivitiesWorkflow } from './bench-workflows.js';
