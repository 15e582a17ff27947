// A custom tool, run durably: an agent worker from the library API with one tool of your own.
//
//   npx tsx examples/custom-tool.ts --workspace /tmp/shop --task-queue shop   # a worker with place_order beside the built-ins
//   npx exoclaw-temporal turn --task-queue shop --session s1 "Order 3 apples"  # another shell
// With a real model (ANTHROPIC_API_KEY or OPENAI_API_KEY): the scripted one does not know place_order
// unless a script tells it to (test/library/custom-tool.test.ts does).
//
// Flags: --temporal-url, --namespace, --task-queue, --workspace, --state-dir, --model, --identity,
// --shutdown-grace, --ledger (where orders are written; default <workspace>/orders.jsonl).
// EXAMPLE_ORDER_CONFIRM_MS makes the supplier's confirmation take that long (the fault test uses it).
//
// The tool runs in the executeTool activity, so a worker dying mid-call costs nothing: the call
// is retried on another worker. What keeps its side effect from happening twice is the tool's
// idempotency key, turn id + tool call id, which is the same on every attempt of one call.
import { appendFile, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAgentWorker, defineTool, resolveConnection, toolOutput, type Tool } from '../src/index.js';

export interface Order {
  key: string;
  item: string;
  quantity: number;
}

/** The `place_order` tool: writes each order once to a ledger file (a stand-in for an order system). */
export function createOrderTool(opts: { ledger: string; confirmMs?: number }) {
  return defineTool({
    name: 'place_order',
    description: 'Place an order for an item with the supplier. Returns the order confirmation.',
    args: z.object({
      item: z.string().min(1).describe('What to order'),
      quantity: z.number().int().positive().max(1000).describe('How many'),
    }),
    async execute({ item, quantity }, ctx) {
      // The same on every attempt of this call, and different for every other call.
      const key = `${ctx.turnId ?? ctx.sessionId}:${ctx.toolCallId ?? item}`;
      const placed = await readOrders(opts.ledger);
      if (!placed.some((order) => order.key === key)) {
        const order: Order = { key, item, quantity };
        await appendFile(opts.ledger, `${JSON.stringify(order)}\n`); // the side effect, once
      }
      ctx.onProgress?.(`waiting for the supplier to confirm ${quantity} × ${item}`);
      await sleep(opts.confirmMs ?? 0, ctx.signal);
      return toolOutput(`Order placed: ${quantity} × ${item} (order ${key}).`);
    },
  });
}

/** Every order in the ledger (none when it does not exist yet). */
export async function readOrders(ledger: string): Promise<Order[]> {
  let text: string;
  try {
    text = await readFile(ledger, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Order);
}

function sleep(ms: number, signal?: { aborted: boolean; addEventListener?(type: 'abort', fn: () => void): void }): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener?.('abort', () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Runs a worker with the built-in tools and place_order until SIGTERM or Ctrl-C. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'temporal-url': { type: 'string' },
      namespace: { type: 'string' },
      'task-queue': { type: 'string' },
      workspace: { type: 'string' },
      'state-dir': { type: 'string' },
      model: { type: 'string' },
      identity: { type: 'string' },
      'shutdown-grace': { type: 'string' },
      ledger: { type: 'string' },
    },
  });
  const workspace = resolve(values.workspace ?? join(process.cwd(), '.exoclaw', 'custom-tool-workspace'));
  const tools: Tool[] = [
    createOrderTool({
      ledger: resolve(values.ledger ?? join(workspace, 'orders.jsonl')),
      confirmMs: Number(process.env['EXAMPLE_ORDER_CONFIRM_MS'] ?? 0),
    }),
  ];
  const agent = await createAgentWorker({
    tools,
    // Settings over the config file and environment, as the `worker` command's flags are.
    config: {
      agents: { defaults: { workspace, ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}), ...(values.model ? { model: values.model } : {}) } },
      ...(values['task-queue'] ? { temporal: { taskQueue: values['task-queue'] } } : {}),
    },
    ...(values['temporal-url'] ? { connection: resolveConnection({ address: values['temporal-url'], namespace: values.namespace }) } : {}),
    identity: values.identity,
    shutdownGraceTime: values['shutdown-grace'],
  });
  console.log(`Worker ready: task queue "${agent.taskQueue}", tools: place_order and the built-ins (identity ${agent.identity})`);
  await agent.run();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
