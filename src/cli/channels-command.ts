import { isIP } from 'node:net';
import { channelsConfig } from '../channels/channel-config.js';
import { startChannels } from '../channels/channels-runner.js';
import { ConfigError } from '../config/config-error.js';
import { createLogger } from '../logger.js';
import { connectClient } from '../temporal/client.js';
import { SessionClient } from '../temporal/session-client.js';
import { CONNECTION_FLAGS, CONNECTION_FLAGS_HELP, setupFromFlags, UsageError, warnOnStderr } from './common-flags.js';
import { parseFlags } from './parse-flags.js';
import { onShutdownSignals } from './shutdown-signals.js';

export const DEFAULT_CHANNELS_PORT = 8788;

export const CHANNELS_HELP = `Usage: exoclaw-temporal channels [--host H] [--port P] [connection flags]

Runs the inbound side of every channel enabled in the config (channels.telegram, channels.slack,
channels.webhook): Telegram by long polling or webhook, Slack over Socket Mode (a WebSocket this
process opens with the app token) or its Events API, and the signed webhook channel; the HTTP ones
as routes (plus GET /healthz). Each allowed message goes to its chat's session
(session id <channel>:<chat id>). Replies are sent by the workers, which need the same channel
settings (tokens from the config file or EXOCLAW_TELEGRAM_TOKEN, EXOCLAW_TELEGRAM_WEBHOOK_SECRET,
EXOCLAW_SLACK_BOT_TOKEN, EXOCLAW_SLACK_SIGNING_SECRET, EXOCLAW_SLACK_APP_TOKEN,
EXOCLAW_WEBHOOK_SECRET). With channels.telegram.streaming (default on) it also shows answers as
they are written, reading the session event stream; give it the workers' state root
(agents.defaults.stateDir), or each answer arrives as a second message. See docs/channels.md.
  --host H        address the HTTP routes listen on (default 127.0.0.1; put TLS in front of
                  anything reachable from outside)
  --port P        port (default ${DEFAULT_CHANNELS_PORT}; 0 = any free port)
Run one process per Telegram bot (Telegram allows one poller per token); the HTTP routes may
run in as many processes as you like.
${CONNECTION_FLAGS_HELP}`;

export async function channelsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: { ...CONNECTION_FLAGS, host: { type: 'string' }, port: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`channels takes no arguments (got "${positionals.join(' ')}").`);
  const host = values.host ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) throw new UsageError(`--host needs an IP address, e.g. 127.0.0.1 or 0.0.0.0 (got "${host}").`);
  const port = values.port === undefined ? DEFAULT_CHANNELS_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535 || !/^\d+$/.test(values.port ?? '0')) {
    throw new UsageError(`--port needs a port number from 0 to 65535 (got "${values.port}").`);
  }
  const { config, connection, taskQueue, encryption } = setupFromFlags(values, { onWarning: warnOnStderr });
  // Settings first: a config with no usable channel should not wait for Temporal to say so.
  if (Object.keys(channelsConfig(config)).length === 0) {
    throw new ConfigError(['channels: no channel is enabled; set channels.telegram, channels.slack or channels.webhook with "enabled": true (docs/channels.md)']);
  }
  const logger = createLogger();
  const client = await connectClient(connection, { encryption });
  try {
    const running = await startChannels(config, new SessionClient(client, taskQueue), { host, port, logger });
    console.log(
      `Channels ready: ${running.adapters.join(', ')} (HTTP ${running.url}${running.routes.length ? `, routes ${running.routes.join(', ')}` : ''}; task queue ${taskQueue}). Ctrl-C to stop.`,
    );
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const remove = onShutdownSignals((received) => {
        remove();
        resolve(received);
      });
    });
    console.log(`${signal}: stopping the channels…`);
    await running.close();
    return 0;
  } finally {
    await client.connection.close();
  }
}
