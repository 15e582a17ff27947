// The production workflow bundle: every workflow an agent worker registers, and nothing else.
export { AgentTurnWorkflow } from './agent-turn-workflow.js';
export { AgentSessionWorkflow } from './agent-session-workflow.js';
export { SessionSubagentWorkflow } from './session-subagent-workflow.js';
export { ScheduledMessageWorkflow } from './session-scheduled-message-workflow.js';
