import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Config } from '../../src/config.js';
import { SessionStore } from '../../src/conversation/session-store.js';
import { eventStoreFor } from '../../src/events/open-event-store.js';
import { startGateway, type Gateway } from '../../src/gateway/gateway-server.js';
import { defaultTokensFile, TokenStore } from '../../src/gateway/token-store.js';
import type { Logger } from '../../src/logger.js';
import { ApprovalsClient } from '../../src/temporal/approvals-client.js';
import { SessionClient } from '../../src/temporal/session-client.js';

/** Where the local stack keeps its gateway token (in the stack's git-ignored root, private to the user). */
export const GATEWAY_TOKEN_FILE = 'gateway-token';
export const LOCAL_TOKEN_NAME = 'local';
export const DEFAULT_LOCAL_GATEWAY_PORT = 8787;

export interface LocalGateway {
  gateway: Gateway;
  /** The bearer token for the local user: the same across restarts of the stack. */
  token: string;
  close(): Promise<void>;
}

/**
 * The local stack's gateway, in the `up` process: the API, the OpenAI-compatible endpoint and
 * the web chat page on loopback, with a token made once and kept in the stack's root.
 */
export async function startLocalGateway(opts: {
  config: Config;
  client: Client;
  taskQueue: string;
  root: string;
  /** undefined: 8787 when free, else any free port */
  port: number | undefined;
  logger: Logger;
}): Promise<LocalGateway> {
  const { config } = opts;
  const tokens = new TokenStore(config.gateway.tokensFile ?? defaultTokensFile(config.agents.defaults.stateDir));
  const token = await localToken(tokens, join(opts.root, GATEWAY_TOKEN_FILE));
  const events = eventStoreFor(config);
  const start = (port: number): Promise<Gateway> =>
    startGateway({
      host: '127.0.0.1',
      port,
      tokens,
      logger: opts.logger,
      sessions: new SessionClient(opts.client, opts.taskQueue),
      approvals: new ApprovalsClient(opts.client, opts.taskQueue),
      events,
      sessionStore: new SessionStore(config.agents.defaults.stateDir, { logger: opts.logger }),
      model: config.agents.defaults.model,
      limits: config.gateway,
      ready: async () => true,
    });
  try {
    const gateway = opts.port === undefined ? await start(DEFAULT_LOCAL_GATEWAY_PORT).catch(() => start(0)) : await start(opts.port);
    return {
      gateway,
      token,
      async close() {
        await gateway.close();
        await events.close();
      },
    };
  } catch (error) {
    await events.close();
    throw error;
  }
}

/** The kept token when the store still accepts it, else a new `local` one (replacing any old). */
async function localToken(tokens: TokenStore, file: string): Promise<string> {
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept && (await tokens.verify(kept))?.name === LOCAL_TOKEN_NAME) return kept;
  } catch {
    // none yet
  }
  const { token } = await tokens.create(LOCAL_TOKEN_NAME, { replace: true });
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
