// Workflow bundle entry point: every workflow the worker registers is exported here.
export { smokeWorkflow } from './smoke-workflow.js';
export { AgentTurnWorkflow, turnStatusQuery } from './agent-turn-workflow.js';
export type { TurnWorkflowResult, TurnStatus } from './agent-turn-workflow.js';
export { benchEmptyActivitiesWorkflow } from './bench-workflows.js';
export { AgentSessionWorkflow } from './agent-session-workflow.js';
export { SessionSubagentWorkflow } from './session-subagent-workflow.js';
export { ScheduledMessageWorkflow } from './session-scheduled-message-workflow.js';
