import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { CodecAccessError, checkToken, newCodecToken, normaliseOrigin } from '../codec-server/codec-access.js';
import { startCodecServer, type CodecServer } from '../codec-server/codec-server.js';
import { loadConfig } from '../config.js';
import { loadEncryptionKeys } from '../encryption/load-encryption-keys.js';
import { createLogger } from '../logger.js';
import { STATE_ROOT_FLAGS, UsageError } from './common-flags.js';
import { parseFlags } from './parse-flags.js';
import { onShutdownSignals } from './shutdown-signals.js';

export const CODEC_TOKEN_ENV = 'EXOCLAW_CODEC_TOKEN';
export const DEFAULT_CODEC_PORT = 8234;
export const DEFAULT_UI_ORIGINS = ['http://localhost:8233', 'http://127.0.0.1:8233'];

export const CODEC_SERVER_HELP = `Usage: exoclaw-temporal codec-server [flags]

Serves the Temporal codec endpoints (POST /decode, /encode, /download) for the Web UI and the
Temporal CLI: decrypts payloads when encryption keys are configured, and shows the messages
behind message references ({"ref": "<hash>", "count": n}) read from the state root, so history
shows prompts, model inputs and tool outputs while it keeps only references. Read-only; needs
the state root (and the workers' encryption keys), not Temporal.

Every request needs the token: "Authorization: Bearer <token>" (temporal --codec-auth), or the
endpoint URL with the token in its path, which is what the Web UI is given (its codec endpoint
setting, or temporal server start-dev --ui-codec-endpoint). Browsers may call it only from the
Web UI's origins. Whoever has the token reads every conversation in the state root.
  --port P          port (default ${DEFAULT_CODEC_PORT}; 0 = any free port)
  --host H          address to listen on (default 127.0.0.1; anything else is reachable from
                    other machines: put TLS in front of it)
  --ui-origin URL   a Web UI origin allowed to call from a browser, e.g. http://localhost:8233
                    (repeatable or comma-separated; default ${DEFAULT_UI_ORIGINS.join(', ')})
  --token-file F    read the token from a file (e.g. a mounted Secret)
  --token T         the token (visible to other local users in the process list: prefer
                    $${CODEC_TOKEN_ENV} or --token-file). Without any, a random one is made and
                    printed in the endpoint URL. At least 16 characters.
  --state-dir DIR   the state root (default: config, else <workspace>.state)
  --workspace DIR   the workspace, to find the default state root (default: config, ~/.exoclaw/workspace)
  --config FILE     config file (default: $EXOCLAW_CONFIG, else ~/.nanobot/config.json)
Encryption keys: the same EXOCLAW_ENCRYPTION_KEYS / EXOCLAW_ENCRYPTION_KEYS_FILE as the workers.`;

export async function codecServerCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      ...STATE_ROOT_FLAGS,
      port: { type: 'string' },
      host: { type: 'string' },
      'ui-origin': { type: 'string', multiple: true },
      token: { type: 'string' },
      'token-file': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`codec-server takes no arguments (got "${positionals.join(' ')}").`);
  const port = portFlag(values.port);
  const host = values.host ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0) throw new UsageError(`--host needs an IP address, e.g. 127.0.0.1 or 0.0.0.0 (got "${host}").`);
  const origins = originsFlag(values['ui-origin']);
  const { token, generated } = tokenFrom(values.token, values['token-file']);

  const config = loadConfig({
    path: values.config,
    overrides: { agents: { defaults: { workspace: values.workspace, stateDir: values['state-dir'] } } },
  });
  const { stateDir } = config.agents.defaults;
  const encryption = loadEncryptionKeys(config.security.encryption);
  const logger = createLogger();

  const server: CodecServer = await startCodecServer({ port, host, token, uiOrigins: origins, stateDir, encryption, logger });
  const endpoint = generated ? server.uiEndpoint : `${server.url}/token/<token>`;
  console.log(
    [
      `Codec server ready on ${server.url} (state root ${stateDir}, decryption ${encryption ? `on, keys ${encryption.keyIds.join(', ')}` : 'off'}).`,
      `  Browsers allowed from  ${server.allowedOrigins.join(', ')}`,
      `  Web UI codec endpoint  ${endpoint}`,
      `  Temporal CLI           temporal workflow show -w <id> --codec-endpoint ${server.url} --codec-auth "Bearer <token>"`,
      ...(generated ? [`  (a random token was made for this run; set $${CODEC_TOKEN_ENV} or --token-file to keep one)`] : []),
      ...(isLoopback(host) ? [] : [`  Listening on ${host}: the token travels in clear text unless TLS is in front of it.`]),
      'Ctrl-C to stop.',
    ].join('\n'),
  );

  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const remove = onShutdownSignals((signal) => {
      remove();
      resolve(signal);
    });
  });
  const signal = await stopped;
  console.log(`${signal}: stopping the codec server…`);
  await server.close();
  console.log('Stopped.');
  return 0;
}

function portFlag(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CODEC_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`--port needs a port number from 0 to 65535 (got "${value}").`);
  return port;
}

function originsFlag(values: string[] | undefined): string[] {
  const listed = (values ?? []).flatMap((value) => value.split(',')).filter((value) => value.trim() !== '');
  try {
    return (listed.length > 0 ? listed : DEFAULT_UI_ORIGINS).map(normaliseOrigin);
  } catch (error) {
    if (error instanceof CodecAccessError) throw new UsageError(error.message);
    throw error;
  }
}

function tokenFrom(flag: string | undefined, file: string | undefined): { token: string; generated: boolean } {
  const env = process.env[CODEC_TOKEN_ENV]?.trim() || undefined;
  if (flag !== undefined && file !== undefined) throw new UsageError('Give --token or --token-file, not both.');
  // Flags win over the environment.
  try {
    if (flag !== undefined) return { token: checkToken(flag, '--token'), generated: false };
    if (file !== undefined) return { token: checkToken(readTokenFile(file), `The token in ${file}`), generated: false };
    if (env !== undefined) return { token: checkToken(env, `$${CODEC_TOKEN_ENV}`), generated: false };
  } catch (error) {
    if (error instanceof CodecAccessError) throw new UsageError(error.message);
    throw error;
  }
  return { token: newCodecToken(), generated: true };
}

function readTokenFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--token-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
