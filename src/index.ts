// The package's public entry: `import { … } from 'exoclaw-temporal'`.

// The loop, its protocols and the typed tool protocol.
export * from './core/index.js';
// Names every side shares: workflow inputs, signals, updates, queries, failure types, commands.
export * from './contract/index.js';
export { defineTool, type ToolSpec } from './tools/define-tool.js';
export { createDefaultTools, connectMcpServers, type DefaultToolsOptions, type McpConnection } from './tools/index.js';

// Durable: worker and clients.
export { createAgentWorker, createAgentWorkers, type AgentWorker, type AgentWorkers, type AgentWorkerOptions } from './temporal/agent-worker.js';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './temporal/run-worker.js';
export { createWorkerDeps } from './temporal/worker-deps.js';
export { connectClient, ExoclawClient, type TurnOutcome, type TurnRequest } from './temporal/client.js';
export { SessionClient, type SendOptions, type SessionSettings } from './temporal/session-client.js';
export { ApprovalsClient, ApprovalError, type ApprovalListing } from './temporal/approvals-client.js';
export { resolveConnection, DEFAULT_TASK_QUEUE, type ResolvedConnection } from './temporal/connection.js';
export { createActivities, type ActivityDeps } from '../activities/index.js';

// The session event stream (docs/events.md): readers, backends, the workers' publisher and its delivery hooks.
export {
  eventStoreFor,
  openEventStore,
  EventPublisher,
  FileEventStore,
  RedisEventStore,
  StreamText,
  type DeliveryHook,
  type OutboundDelivery,
  type SessionEventStore,
} from './events/index.js';

// Traces and metrics (docs/worker-and-cli.md, "Traces and metrics").
export { startTracing, tracingFromEnv, flushTracing, type Tracing } from './telemetry/tracing.js';
export { agentBundleOptions, workerTelemetryOptions, replayTelemetryOptions } from './telemetry/worker-telemetry.js';
export { agentMetrics, AGENT_METRICS } from './telemetry/agent-metrics.js';
export { workerMetricsSource } from './telemetry/metrics-endpoint.js';

// In-process: the same loop without Temporal.
export { AgentLoop, DirectExecutor, MessageBus, processDirect, type AgentLoopOptions } from './runtime/index.js';

// Configuration, providers and the conversation store.
export { loadConfig, ConfigError, type Config } from './config.js';
export { resolveProvider, OpenAIProvider, AnthropicProvider } from './providers/index.js';
export { FileConversation } from './conversation/index.js';
export { createLogger, type Logger } from './logger.js';
