// A real worker process, a real gateway process and tokens made by the real CLI, against the
// shared dev server and a scripted model: what the gateway tests talk to over HTTP.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import { cliEnv, runCli, spawnCli, stopCli, type CliProcess } from '../cli/cli-process.js';

export interface GatewayStack {
  url: string;
  home: string;
  stateDir: string;
  configPath: string;
  llm: ScriptedLlmServer;
  worker: CliProcess;
  gateway: CliProcess;
  /** The CLI arguments that point at this stack's Temporal, task queue and state root. */
  connectionArgs: string[];
  env: Record<string, string>;
  createToken(name: string, sessions?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface GatewayStackOptions {
  /** config `gateway` settings (limits) */
  gateway?: Record<string, unknown>;
  /** other config sections, e.g. `tools` (a tool policy) */
  config?: Record<string, unknown>;
  /** extra environment for both processes */
  env?: Record<string, string>;
  /** tokens to create before the gateway starts, by name (value: session prefix or undefined) */
  tokens?: Record<string, string | undefined>;
}

export async function startGatewayStack(opts: GatewayStackOptions = {}): Promise<GatewayStack & { tokens: Record<string, string> }> {
  const home = await mkdtemp(join(tmpdir(), 'exoclaw-gateway-'));
  const { address, namespace } = await getTestEnv();
  // Names are answered slowly, in pieces, so an answer arrives as several deltas.
  const llm = await startScriptedLlmServer({
    script: {
      useDefaults: true,
      rules: [
        {
          name: 'learn name, streamed slowly',
          when: { lastUserMatches: "\\bmy name is\\s+([A-Za-z][\\w'-]*)" },
          reply: { text: "[scripted-llm] Nice to meet you, {{match.1}}! I'll remember that." },
          stream: { pieces: 8, pauseMs: 120 },
        },
        {
          name: 'send a message with the message tool',
          when: { lastUserMatches: '^tell me later: (.+)$', hasToolResult: false },
          reply: { toolCalls: [{ name: 'message', arguments: { content: '{{match.1}}' } }] },
        },
        { name: 'after the message tool', when: { hasToolResult: true, lastToolName: 'message' }, reply: { text: '[scripted-llm] Sent.' } },
      ],
    },
  });
  const stateDir = join(home, 'state');
  const configPath = join(home, 'config.json');
  await writeFile(configPath, JSON.stringify({ ...opts.config, gateway: opts.gateway ?? {} }));
  const connectionArgs = [
    '--config', configPath,
    '--temporal-url', address,
    '--namespace', namespace,
    '--task-queue', uniqueTaskQueue('gateway'),
    '--workspace', join(home, 'workspace'),
    '--state-dir', stateDir,
  ];
  const env = cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llm.url, EXOCLAW_LOG_LEVEL: 'debug', EXOCLAW_LOG_FORMAT: 'json', ...opts.env });
  const createToken = async (name: string, sessions?: string): Promise<string> => {
    const args = ['gateway', 'token', 'create', '--name', name, '--config', configPath, '--state-dir', stateDir];
    if (sessions !== undefined) args.push('--sessions', sessions);
    const made = await runCli(args, env);
    if (made.code !== 0) throw new Error(`gateway token create failed: ${made.stderr}`);
    return made.stdout.trim();
  };
  const tokens: Record<string, string> = {};
  for (const [name, sessions] of Object.entries(opts.tokens ?? {})) tokens[name] = await createToken(name, sessions);

  const worker = spawnCli(['worker', ...connectionArgs, '--model', 'scripted/scripted-llm'], env);
  const gateway = spawnCli(['gateway', ...connectionArgs, '--port', '0', '--model', 'scripted/scripted-llm'], env);
  try {
    await worker.waitForLine(/^Worker ready/, 90_000);
    const ready = await gateway.waitForLine(/^Gateway ready on /, 60_000);
    const url = /ready on (http:\/\/\S+?) /.exec(ready)![1]!;
    return {
      url,
      home,
      stateDir,
      configPath,
      llm,
      worker,
      gateway,
      connectionArgs,
      env,
      tokens,
      createToken,
      async stop() {
        await Promise.all([stopCli(gateway, 'SIGTERM'), stopCli(worker, 'SIGTERM')]);
        await llm.close();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    worker.child.kill('SIGKILL');
    gateway.child.kill('SIGKILL');
    await llm.close();
    throw error;
  }
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads an SSE response as it arrives (fetch + a line parser, as a browser's EventSource does).
 * `events` fills up live; `closed` resolves when the stream ends.
 */
export function readSse(response: Response): { events: SseEvent[]; closed: Promise<void> } {
  const events: SseEvent[] = [];
  const closed = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          event.data = data.join('\n');
          events.push(event);
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  })();
  return { events, closed };
}
