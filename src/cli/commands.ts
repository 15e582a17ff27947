import { TURN_HELP, turnCommand } from './turn-command.js';

export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS = new Map<string, Command>([
  ['turn', { summary: 'run one durable turn and print the answer', help: TURN_HELP, run: turnCommand }],
]);

export const HELP = `exoclaw-temporal — durable LLM agents on Temporal

Usage: exoclaw-temporal <command> [flags]   (each command has --help)

Commands:
${[...COMMANDS].map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`).join('\n')}`;
