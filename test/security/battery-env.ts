// What every attack of the hostile battery gets: a real worker process (the `exoclaw-temporal
// worker` command, configured from a file named on its command line, with secrets in its
// environment and that file), the scripted LLM server playing a hostile model, and ways to read
// what leaked where.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { RecordedRequest, ScriptRule } from '../../dev/scripted-llm/index.js';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import type { TurnWorkflowInput, TurnWorkflowResult } from '../../src/contract/index.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { startSharedRig } from '../faults/fault-helpers.js';
import { within } from '../support/wait.js';

export interface Canaries {
  /** In the worker's environment, under a name no deny list would catch. */
  env: string;
  /** In the worker's config file (a provider key). */
  config: string;
  configPath: string;
}

export interface ToolCallSpec {
  name: string;
  arguments: Record<string, unknown>;
}

export interface TurnOutcome {
  result: TurnWorkflowResult;
  handle: WorkflowHandle;
}

export interface BatteryEnv {
  rig: DurabilityRig;
  canaries: Canaries;
  workspace: string;
  stateDir: string;
  /** The worker process (its pid is what a hostile command would aim at). */
  workerPid(): number;
  workerAlive(): boolean;
  /** Everything the worker printed so far. */
  workerOutput(): string;
  /** A loopback page server only the worker's allow-list reaches (127.0.0.2). */
  allowedOrigin: string;
  /** A loopback server nothing may reach (127.0.0.1); counts the requests it got. */
  forbidden: { port: number; hits(): number };
  /** Serves `body` at `path` on the allowed server. */
  servePage(path: string, body: string, contentType?: string): void;
  /** One turn in which the model calls these tools (in one response), then answers with their results. */
  toolTurn(id: string, calls: ToolCallSpec[], input?: Partial<TurnWorkflowInput>): Promise<TurnOutcome>;
  /** One plain turn (the model just answers). */
  plainTurn(id: string, message: string, input?: Partial<TurnWorkflowInput>): Promise<TurnOutcome>;
  /** Starts a turn without waiting (for turns expected to fail). */
  startTurn(input: TurnWorkflowInput): Promise<WorkflowHandle>;
  sessions(settings?: ConstructorParameters<typeof SessionClient>[2]): SessionClient;
  /** Chat requests the model received since `from` (request number). */
  llmRequests(): RecordedRequest[];
  /** The whole workflow history as JSON text. */
  historyText(handle: WorkflowHandle): Promise<string>;
  /** Every file under the state root, as text (what a later step could read back). */
  stateText(): string;
  close(): Promise<void>;
}

const TURN_TIMEOUT_MS = 60_000;

export async function startBatteryEnv(): Promise<BatteryEnv> {
  const home = mkdtempSync(join(tmpdir(), 'exoclaw-battery-'));
  const canaries: Canaries = {
    env: `plain-env-canary-${process.pid}-${Date.now()}`,
    config: `sk-config-canary-${process.pid}-${Date.now()}`,
    configPath: join(home, 'etc', 'exoclaw-config.json'),
  };
  mkdirSync(join(home, 'etc'));
  writeFileSync(
    canaries.configPath,
    JSON.stringify({
      providers: { scripted: { apiKey: canaries.config } },
      tools: { web: { fetch: { allowPrivateHosts: ['127.0.0.2'] } } },
    }),
    { mode: 0o600 },
  );

  const pages = new Map<string, { body: string; contentType: string }>();
  const allowed = await listen(
    createServer((req, res) => {
      const page = pages.get(req.url ?? '');
      res.writeHead(page ? 200 : 404, { 'content-type': page?.contentType ?? 'text/plain' }).end(page?.body ?? 'no page');
    }),
    '127.0.0.2',
  );
  let forbiddenHits = 0;
  const forbidden = await listen(
    createServer((_req, res) => {
      forbiddenHits += 1;
      res.end(`forbidden server reached: ${canaries.env}`);
    }),
    '127.0.0.1',
  );

  let output = '';
  const rig = await startSharedRig({
    workerEnv: {
      HOME: home,
      EXOCLAW_LOG_LEVEL: 'info',
      EXOCLAW_EXEC_TIMEOUT: '5',
      BATTERY_PLAIN_CANARY: canaries.env,
    },
    workerArgs: ['--config', canaries.configPath],
    onWorkerOutput: (_identity, line) => {
      output += `${line}\n`;
    },
  });
  await rig.fleet.start('worker-a');
  let turnNumber = 0;

  const run = async (input: TurnWorkflowInput): Promise<TurnOutcome> => {
    const handle = await rig.startTurn(input, `battery-${input.sessionId}-${turnNumber++}`);
    const result = (await within(handle.result(), `turn ${handle.workflowId}`, { timeoutMs: TURN_TIMEOUT_MS })) as TurnWorkflowResult;
    return { result, handle };
  };

  return {
    rig,
    canaries,
    workspace: rig.workspace,
    stateDir: rig.stateDir,
    workerPid: () => rig.fleet.get('worker-a')!.pid,
    workerAlive: () => rig.fleet.get('worker-a')?.alive() ?? false,
    workerOutput: () => output,
    allowedOrigin: `http://127.0.0.2:${port(allowed)}`,
    forbidden: { port: port(forbidden), hits: () => forbiddenHits },
    servePage: (path, body, contentType = 'text/html') => void pages.set(path, { body, contentType }),
    toolTurn: async (id, calls, input = {}) => {
      const rule: ScriptRule = { name: id, when: { lastUserMatches: `^${id}$`, hasToolResult: false }, reply: { toolCalls: calls } };
      rig.llm!.setScript({ rules: [rule], useDefaults: true });
      return run({ sessionId: `battery-${id}`, message: id, ...input });
    },
    plainTurn: (id, message, input = {}) => {
      rig.llm!.setScript({ rules: [], useDefaults: true });
      return run({ sessionId: `battery-${id}`, message, ...input });
    },
    startTurn: (input) => rig.startTurn(input, `battery-${input.sessionId}-${turnNumber++}`),
    sessions: (settings) => new SessionClient(rig.client, rig.taskQueue, settings),
    llmRequests: () => rig.llm!.chatRequests(),
    historyText: async (handle) => JSON.stringify(await handle.fetchHistory()),
    stateText: () => filesUnder(rig.stateDir).map((file) => readFileSync(file, 'latin1')).join('\n'),
    close: async () => {
      await rig.close();
      await new Promise<void>((resolve) => allowed.close(() => resolve()));
      forbidden.closeAllConnections();
      await new Promise<void>((resolve) => forbidden.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function listen(server: Server, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

function port(server: Server): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    if (name.isDirectory()) out.push(...filesUnder(path));
    else if (name.isFile() && statSync(path).size < 50 * 1024 * 1024) out.push(path);
  }
  return out;
}
