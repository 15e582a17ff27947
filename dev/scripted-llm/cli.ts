import { parseFlags } from '../../src/cli/parse-flags.js';
import { startScriptedLlmServer } from './server.js';

export const DEFAULT_SCRIPTED_LLM_PORT = 8790;

const USAGE = `Usage: exoclaw-temporal llm-server [--port ${DEFAULT_SCRIPTED_LLM_PORT}] [--host 127.0.0.1] [--script rules.json] [--verbose]

Starts the scripted LLM server: OpenAI Chat Completions (/v1/chat/completions) and Anthropic
Messages (/v1/messages) on loopback, answering from rules instead of a real model.
Point a worker at it with EXOCLAW_SCRIPTED_LLM_URL=<url> and model scripted/scripted-llm.`;

/**
 * `exoclaw-temporal llm-server`: runs until SIGINT/SIGTERM. Resolves after a clean shutdown;
 * rejects with a readable error for bad flags or a bad script file.
 */
export async function runLlmServerCommand(argv: string[], out: { write(text: string): void } = process.stdout): Promise<void> {
  const { values } = parseFlags({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      script: { type: 'string', short: 's' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    out.write(`${USAGE}\n`);
    return;
  }
  const port = values.port === undefined ? DEFAULT_SCRIPTED_LLM_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535 (0 picks a free port); got "${values.port}".`);
  }
  const server = await startScriptedLlmServer({
    port,
    ...(values.host ? { host: values.host } : {}),
    ...(values.script ? { script: values.script } : {}),
    ...(values.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
  out.write(`scripted LLM server listening on ${server.url} (no API key needed; answers are scripted, not a real model)\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
}
