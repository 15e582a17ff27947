import type { ActivityDeps } from '../../activities/index.js';
import { createAgentParts } from '../agent-parts.js';
import { createChannelOutbox } from '../channels/channel-outbox-factory.js';
import { countNanobotSessions } from '../conversation/migrate-nanobot-sessions.js';
import type { Config } from '../config.js';
import { blobCipherFor } from '../encryption/blob-cipher.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { EventPublisher } from '../events/event-publisher.js';
import { eventStoreFor } from '../events/open-event-store.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { BlobStore, prepareStateRoot, SessionLeases, ToolCallJournal } from '../storage/index.js';

/**
 * Activity dependencies from the worker's config, the agent's workspace and the runtime's state
 * root (prepared, and migrated from an older workspace layout, on first use). With encryption
 * keys, message blobs are encrypted too unless `security.encryption.blobs` is off.
 */
export async function createWorkerDeps(
  config: Config,
  opts: { logger?: Logger; encryption?: EncryptionKeyRing } = {},
): Promise<{ deps: ActivityDeps; close(): Promise<void> }> {
  const log = opts.logger ?? sharedLogger();
  const { workspace, stateDir } = config.agents.defaults;
  await prepareStateRoot(workspace, stateDir, log);
  // nanobot's sessions are not read as they are: say so rather than let them start empty unnoticed.
  const unconverted = await countNanobotSessions(workspace, stateDir).catch(() => 0);
  if (unconverted > 0) {
    log.warn(
      { count: unconverted, workspace, stateDir },
      `${unconverted} nanobot session file(s) are not converted yet, so those conversations start empty here; run \`exoclaw-temporal migrate\` (docs/migrating.md)`,
    );
  }
  // Temporal owns retries: SDK clients on workers never retry on their own.
  const parts = await createAgentParts(config, { logger: log, maxRetries: 0 });
  const defaults = config.agents.defaults;
  const deps: ActivityDeps = {
    workspace,
    stateDir,
    conversation: parts.conversation,
    tools: parts.tools,
    resolveModel: parts.resolveModel,
    llmDefaults: {
      model: defaults.model,
      temperature: defaults.temperature,
      maxTokens: defaults.maxTokens,
      reasoningEffort: defaults.reasoningEffort,
    },
    maxIterations: defaults.maxToolIterations,
    jobLimits: config.tools.cron,
    toolPolicy: config.tools.policy,
    blobs: new BlobStore(stateDir, blobCipherFor(opts.encryption, { blobs: config.security.encryption.blobs })),
    leases: new SessionLeases(stateDir),
    journal: new ToolCallJournal(stateDir),
    logger: log,
    channels: createChannelOutbox(config, stateDir, log),
    // Tokens, tool progress, replies and messages for readers (chat, gateway, channels): docs/events.md.
    events: new EventPublisher(eventStoreFor(config), log),
  };
  return {
    deps,
    close: async () => {
      await parts.close();
      await deps.events?.store.close();
    },
  };
}
