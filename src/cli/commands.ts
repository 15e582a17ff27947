import { TURN_HELP, turnCommand } from './turn-command.js';
import { BOUNCE_HELP, bounceCommand } from './bounce-command.js';
import { DEMO_HELP, demoCommand } from './demo-command.js';
import { LLM_SERVER_HELP, llmServerCommand } from './llm-server-command.js';
import { UP_HELP, upCommand } from './up-command.js';
import { WORKER_HELP, workerCommand } from './worker-command.js';
import { SEND_HELP, sendCommand } from './send-command.js';
import { CHAT_HELP, chatCommand } from './chat-command.js';
import { GC_HELP, gcCommand } from './gc-command.js';

export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS = new Map<string, Command>([
  ['turn', { summary: 'run one durable turn and print the answer', help: TURN_HELP, run: turnCommand }],
  ['worker', { summary: 'run an agent worker until SIGINT/SIGTERM', help: WORKER_HELP, run: workerCommand }],
  ['send', { summary: 'send a message to a long-lived session and print its reply', help: SEND_HELP, run: sendCommand }],
  ['chat', { summary: 'interactive chat with a long-lived session (live progress, Ctrl-C = /stop)', help: CHAT_HELP, run: chatCommand }],
  ['up', { summary: 'local stack: dev server + Web UI + worker (npm start)', help: UP_HELP, run: upCommand }],
  ['demo', { summary: 'run the turn-based example on a local stack (npm run demo)', help: DEMO_HELP, run: demoCommand }],
  ['llm-server', { summary: 'scripted OpenAI/Anthropic-compatible LLM (no API key)', help: LLM_SERVER_HELP, run: llmServerCommand }],
  ['bounce', { summary: 'durability demo: kill the worker running a tool, watch the turn finish (npm run bounce)', help: BOUNCE_HELP, run: bounceCommand }],
  ['gc', { summary: 'delete old runtime state (blobs, tool journals, leases) from the workspace', help: GC_HELP, run: gcCommand }],
]);

export const HELP = `exoclaw-temporal — durable LLM agents on Temporal

Usage: exoclaw-temporal <command> [flags]   (each command has --help)

Commands:
${[...COMMANDS].map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join('\n')}`;
