export interface CommandModule {
  help: string;
  run(argv: string[]): Promise<number>;
}

export interface Command {
  summary: string;
  /** Loaded on use: `worker` never loads the dev tools (local stack, bounce, scripted LLM). */
  load(): Promise<CommandModule>;
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS = new Map<string, Command>([
  ['turn', {
    summary: 'run one durable turn and print the answer',
    load: async () => import('./turn-command.js').then((m) => ({ help: m.TURN_HELP, run: m.turnCommand })),
  }],
  ['worker', {
    summary: 'run an agent worker until SIGINT/SIGTERM',
    load: async () => import('./worker-command.js').then((m) => ({ help: m.WORKER_HELP, run: m.workerCommand })),
  }],
  ['send', {
    summary: 'send a message to a long-lived session and print its reply',
    load: async () => import('./send-command.js').then((m) => ({ help: m.SEND_HELP, run: m.sendCommand })),
  }],
  ['chat', {
    summary: 'interactive chat with a long-lived session (live progress, Ctrl-C = /stop)',
    load: async () => import('./chat-command.js').then((m) => ({ help: m.CHAT_HELP, run: m.chatCommand })),
  }],
  ['gateway', {
    summary: 'HTTP front door: session API with live events (SSE), OpenAI-compatible API, web chat page',
    load: async () => import('./gateway-command.js').then((m) => ({ help: m.GATEWAY_HELP, run: m.gatewayCommand })),
  }],
  ['channels', {
    summary: 'run the enabled chat channels (Telegram, Slack, signed webhooks) into sessions',
    load: async () => import('./channels-command.js').then((m) => ({ help: m.CHANNELS_HELP, run: m.channelsCommand })),
  }],
  ['approvals', {
    summary: 'tool calls waiting for a person: list, approve, deny',
    load: async () => import('./approvals-command.js').then((m) => ({ help: m.APPROVALS_HELP, run: m.approvalsCommand })),
  }],
  ['up', {
    summary: 'local stack: dev server + Web UI + worker (npm start)',
    load: async () => import('../../dev/cli/up-command.js').then((m) => ({ help: m.UP_HELP, run: m.upCommand })),
  }],
  ['demo', {
    summary: 'run the turn-based example on a local stack (npm run demo)',
    load: async () => import('../../dev/cli/demo-command.js').then((m) => ({ help: m.DEMO_HELP, run: m.demoCommand })),
  }],
  ['llm-server', {
    summary: 'scripted OpenAI/Anthropic-compatible LLM (no API key)',
    load: async () =>
      import('../../dev/cli/llm-server-command.js').then((m) => ({ help: m.LLM_SERVER_HELP, run: m.llmServerCommand })),
  }],
  ['bounce', {
    summary: 'durability demo: kill the worker running a tool, watch the turn finish (npm run bounce)',
    load: async () => import('../../dev/cli/bounce-command.js').then((m) => ({ help: m.BOUNCE_HELP, run: m.bounceCommand })),
  }],
  ['codec-server', {
    summary: 'codec server for the Web UI: decrypts payloads, shows the messages behind references',
    load: async () =>
      import('./codec-server-command.js').then((m) => ({ help: m.CODEC_SERVER_HELP, run: m.codecServerCommand })),
  }],
  ['usage', {
    summary: 'tokens and turns per session, model and day, from the session logs',
    load: async () => import('./usage-command.js').then((m) => ({ help: m.USAGE_HELP, run: m.usageCommand })),
  }],
  ['migrate', {
    summary: "convert nanobot's session files so those conversations continue here (--dry-run first)",
    load: async () => import('./migrate-command.js').then((m) => ({ help: m.MIGRATE_HELP, run: m.migrateCommand })),
  }],
  ['gc', {
    summary: 'delete old runtime state (blobs, tool journals, leases) from the state root',
    load: async () => import('./gc-command.js').then((m) => ({ help: m.GC_HELP, run: m.gcCommand })),
  }],
]);

export const HELP = `exoclaw-temporal — durable LLM agents on Temporal

Usage: exoclaw-temporal <command> [flags]   (each command has --help)

Commands:
${[...COMMANDS].map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join('\n')}`;
