import { isIP } from 'node:net';
import { loadConfig, type Config } from '../config.js';
import { SessionStore } from '../conversation/session-store.js';
import { eventStoreFor } from '../events/open-event-store.js';
import { startGateway, type Gateway } from '../gateway/gateway-server.js';
import { defaultTokensFile, TokenStore, TokenStoreError } from '../gateway/token-store.js';
import { createLogger, setProcessLogger } from '../logger.js';
import { connectClient } from '../temporal/client.js';
import { ApprovalsClient } from '../temporal/approvals-client.js';
import { SessionClient } from '../temporal/session-client.js';
import { LOG_FORMAT_FLAG, LOG_FORMAT_HELP, logFormatFromFlag, reportingFailureAsLog } from './command-logging.js';
import { CONNECTION_FLAGS, STATE_ROOT_FLAGS, CONNECTION_FLAGS_HELP, setupFromFlags, UsageError, warnOnStderr } from './common-flags.js';
import { parseFlags } from './parse-flags.js';
import { onShutdownSignals } from './shutdown-signals.js';

export const DEFAULT_GATEWAY_HOST = '127.0.0.1';
export const DEFAULT_GATEWAY_PORT = 8787;

export const GATEWAY_HELP = `Usage: exoclaw-temporal gateway [--host H] [--port P] [flags]
       exoclaw-temporal gateway token create --name N [--sessions PREFIX]
       exoclaw-temporal gateway token list | revoke --name N

The front door over HTTP: send to sessions and follow their events (Server-Sent Events,
resumable with Last-Event-ID), an OpenAI-compatible /v1/chat/completions, and a web chat page
at /. Stateless: run as many as you like behind a load balancer. docs/gateway.md has the API.

  --host H        address to listen on (default: config gateway.host, else ${DEFAULT_GATEWAY_HOST}); anything
                  but loopback needs at least one token, and TLS in front of it
  --port P        port (default: config gateway.port, else ${DEFAULT_GATEWAY_PORT}; 0 = any free port)
${LOG_FORMAT_HELP}

Tokens ("Authorization: Bearer <token>"): stored as SHA-256 hashes in <state root>/gateway/tokens.json
(or config gateway.tokensFile); a running gateway sees new and revoked tokens within a second.
With no token at all, a gateway on loopback lets every local caller in.
  token create --name N [--sessions PREFIX]   make a token, print it once; --sessions limits it to
                                               session ids starting with PREFIX
  token list                                   names, scopes and creation times (never tokens)
  token revoke --name N                        remove a token
Limits (config gateway.*): rateLimitPerMinute, maxStreamsPerToken, bodyLimitBytes,
headersTimeoutMs, requestTimeoutMs, replyWaitMs.
${CONNECTION_FLAGS_HELP}`;

export async function gatewayCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'token') return tokenCommand(argv.slice(1));
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: { ...CONNECTION_FLAGS, ...LOG_FORMAT_FLAG, host: { type: 'string' }, port: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`gateway takes no arguments besides "token …" (got "${positionals.join(' ')}").`);
  const format = logFormatFromFlag(values['log-format']);
  const logger = createLogger({ format, name: 'gateway' });
  setProcessLogger(logger);
  return reportingFailureAsLog('gateway', format, logger, async () => {
    const setup = setupFromFlags(values, { onWarning: warnOnStderr });
    const host = values.host ?? setup.config.gateway.host ?? DEFAULT_GATEWAY_HOST;
    if (host !== 'localhost' && isIP(host) === 0) throw new UsageError(`--host needs an IP address, e.g. 127.0.0.1 or 0.0.0.0 (got "${host}").`);
    const port = portFlag(values.port, setup.config.gateway.port);
    const tokens = tokenStoreOf(setup.config);
    const client = await connectClient(setup.connection, { encryption: setup.encryption });
    const events = eventStoreFor(setup.config);
    let gateway: Gateway;
    try {
      gateway = await startGateway({
        host,
        port,
        tokens,
        logger,
        sessions: new SessionClient(client, setup.taskQueue, values.model ? { model: values.model } : {}),
        events,
        approvals: new ApprovalsClient(client, setup.taskQueue),
        sessionStore: new SessionStore(setup.config.agents.defaults.stateDir, { logger }),
        model: setup.config.agents.defaults.model,
        limits: setup.config.gateway,
        ready: temporalReachable(client),
      });
    } catch (error) {
      await events.close();
      await client.connection.close();
      throw error;
    }
    const tokenCount = (await tokens.list()).length;
    console.log(
      `Gateway ready on ${gateway.url} (Temporal ${setup.connection.address}, namespace "${setup.connection.namespace}", ` +
        `task queue "${setup.taskQueue}", events ${events.kind}, ${tokenCount === 0 ? 'no tokens: local callers need none' : `${tokenCount} token(s) in ${tokens.path}`}).`,
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const remove = onShutdownSignals((received) => {
        remove();
        resolve(received);
      });
    });
    logger.info({ signal }, 'gateway stopping');
    await gateway.close();
    await events.close();
    await client.connection.close();
    return 0;
  });
}

/** Readiness: Temporal answered a cheap call within 2 s, cached for a second. */
function temporalReachable(client: Awaited<ReturnType<typeof connectClient>>): () => Promise<boolean> {
  let last: { at: number; ok: boolean } | undefined;
  return async () => {
    if (last && Date.now() - last.at < 1000) return last.ok;
    const ok = await client.connection
      .withDeadline(Date.now() + 2000, () => client.connection.workflowService.getSystemInfo({}))
      .then(() => true, () => false);
    last = { at: Date.now(), ok };
    return ok;
  };
}

function tokenStoreOf(config: Config): TokenStore {
  return new TokenStore(config.gateway.tokensFile ?? defaultTokensFile(config.agents.defaults.stateDir));
}

async function tokenCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseFlags({
    args: rest,
    allowPositionals: true,
    options: {
      ...STATE_ROOT_FLAGS,
      name: { type: 'string' },
      sessions: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`gateway token ${action ?? ''} takes no arguments (got "${positionals.join(' ')}").`);
  const config = loadConfig({
    path: values.config,
    onWarning: warnOnStderr,
    overrides: { agents: { defaults: { workspace: values.workspace, stateDir: values['state-dir'] } } },
  });
  const store = tokenStoreOf(config);
  try {
    switch (action) {
      case 'create': {
        if (!values.name) throw new UsageError('gateway token create needs --name N (who or what the token is for).');
        if (values.sessions !== undefined && values.sessions.trim() === '') throw new UsageError('--sessions needs a session-id prefix, e.g. "team-a:".');
        const { token, stored } = await store.create(values.name, values.sessions === undefined ? {} : { sessions: values.sessions });
        if (values.json) console.log(JSON.stringify({ name: stored.name, sessions: stored.sessions ?? null, token, file: store.path }));
        else {
          console.log(token);
          console.error(
            `Token "${stored.name}" created${stored.sessions ? ` for sessions starting with "${stored.sessions}"` : ' for every session'}; ` +
              `its hash is in ${store.path}. This is the only time it is shown.`,
          );
        }
        return 0;
      }
      case 'list': {
        const tokens = await store.list();
        if (values.json) console.log(JSON.stringify({ file: store.path, tokens: tokens.map(({ hash: _hash, ...rest }) => rest) }));
        else if (tokens.length === 0) console.log(`No tokens in ${store.path}.`);
        else for (const t of tokens) console.log(`${t.name}  ${t.sessions ? `sessions "${t.sessions}*"` : 'all sessions'}  created ${t.createdAt}`);
        return 0;
      }
      case 'revoke': {
        if (!values.name) throw new UsageError('gateway token revoke needs --name N.');
        const removed = await store.revoke(values.name);
        console.error(removed ? `Token "${values.name}" revoked.` : `No token named "${values.name}" in ${store.path}.`);
        return removed ? 0 : 1;
      }
      default:
        throw new UsageError(`gateway token needs create, list or revoke (got "${action ?? ''}").`);
    }
  } catch (error) {
    if (error instanceof TokenStoreError) throw new UsageError(error.message);
    throw error;
  }
}

function portFlag(value: string | undefined, configured: number | undefined): number {
  if (value === undefined) return configured ?? DEFAULT_GATEWAY_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`--port needs a port number from 0 to 65535 (got "${value}").`);
  return port;
}
