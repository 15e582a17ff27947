import type { ChannelOutbox } from '../src/channels/channel-outbox.js';
import type { AgentHooks, Conversation, LLMProvider, ModelSettings, ToolRegistry } from '../src/core/index.js';
import type { EventPublisher } from '../src/events/event-publisher.js';
import type { Logger } from '../src/logger.js';
import type { ToolPolicy } from '../src/contract/tool-policy.js';
import type { JobLimits } from '../src/schedules/session-schedules.js';
import type { BlobStore, SessionLeases, ToolCallJournal } from '../src/storage/index.js';

/** Model settings used when a turn does not name its own. */
export interface LlmDefaults extends ModelSettings {
  model: string;
}

/**
 * Everything activities need, rebuilt on each worker from its config and the shared volume.
 * Nothing here holds state a replacement worker would miss.
 */
export interface ActivityDeps {
  /** The agent's workspace: its files, identity, skills and memory (what its tools may touch). */
  workspace: string;
  /** The runtime's own state (session logs, blobs, journal, leases, kept tool outputs): apart from the workspace. */
  stateDir: string;
  conversation: Conversation;
  tools: ToolRegistry;
  /** Resolves a model string to a provider; credentials never leave the worker. */
  resolveModel(model: string): { provider: LLMProvider; model: string };
  llmDefaults: LlmDefaults;
  /** Default tool-call iteration limit for turns that don't set one. */
  maxIterations?: number;
  blobs: BlobStore;
  leases: SessionLeases;
  journal: ToolCallJournal;
  logger: Logger;
  /** Tool outputs longer than this are stored whole and previewed (head + tail). */
  toolPreviewChars?: number;
  /** What the cron tool may schedule (default: 10 jobs per session, at least 60 s apart). */
  jobLimits?: JobLimits;
  /** Delivery to chat platforms (channels.*), when any channel is enabled on this worker. */
  channels?: ChannelOutbox;
  /** How often long activities heartbeat (ms). */
  heartbeatIntervalMs?: number;
  /** The session event stream (tokens, tool progress, messages); absent: nothing is published. */
  events?: EventPublisher;
  /** The config's `tools.policy`: the workflow applies it to every tool call of a durable turn. */
  toolPolicy?: ToolPolicy;
  /** User hooks (`createAgentWorker({ hooks })`): run in activities of durable turns (docs/extending.md). */
  hooks?: AgentHooks;
}
