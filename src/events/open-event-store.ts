import type { Config } from '../config.js';
import { FileEventStore } from './file-event-store.js';
import { RedisEventStore } from './redis-event-store.js';
import type { SessionEventStore } from './session-event-store.js';

export interface EventStoreSettings {
  /** The state root (the file backend keeps its streams in `<stateDir>/events/`). */
  stateDir: string;
  /** Redis Streams instead of files (config `events.redisUrl`). */
  redisUrl?: string;
}

/** The configured backend: Redis Streams when `events.redisUrl` is set, else files in the state root. */
export function openEventStore(settings: EventStoreSettings): SessionEventStore {
  return settings.redisUrl ? new RedisEventStore(settings.redisUrl) : new FileEventStore(settings.stateDir);
}

/** The same, from a loaded config (workers, chat and the gateway agree by reading the same settings). */
export function eventStoreFor(config: Pick<Config, 'agents' | 'events'>): SessionEventStore {
  return openEventStore({ stateDir: config.agents.defaults.stateDir, redisUrl: config.events.redisUrl });
}
