import type { ActivityOptionsInput } from '../src/contract/index.js';

/**
 * Sessions heartbeat tools and model calls with a shorter timeout than single turns: Temporal
 * delivers cancellation on a heartbeat, flushed every 0.8 × timeout, so /stop reaches a running
 * command (and the session is idle again) within about 3 s. A caller's options still win.
 */
export const SESSION_HEARTBEAT_TIMEOUT = '4s';

export function sessionActivityOptions(overrides: ActivityOptionsInput | undefined): ActivityOptionsInput {
  return {
    ...overrides,
    executeTool: { heartbeatTimeout: SESSION_HEARTBEAT_TIMEOUT, ...overrides?.executeTool },
    llmChat: { heartbeatTimeout: SESSION_HEARTBEAT_TIMEOUT, ...overrides?.llmChat },
  };
}
