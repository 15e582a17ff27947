#!/usr/bin/env node
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './cli/common-flags.js';
import { COMMANDS, HELP } from './cli/commands.js';
import { rootMessage } from './cli/root-message.js';
import { scrubSecrets } from './logger.js';
import { flushTracing } from './telemetry/tracing.js';

export { rootMessage };

/** The `exoclaw-temporal` command line. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const entry = COMMANDS.get(name);
  if (!entry) {
    console.error(`Unknown command "${name}".\n\n${HELP}`);
    return 2;
  }
  const command = await entry.load();
  if (wantsHelp(rest)) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n\n${command.help}`);
      return 2;
    }
    console.error(`exoclaw-temporal ${name}: ${scrubSecrets(rootMessage(error))}`);
    return 1;
  } finally {
    await flushTracing(); // a client's spans (OTEL_EXPORTER_OTLP_ENDPOINT set) leave before the process does
  }
}

/** `--help` / `-h` anywhere before a `--` terminator (after it, they are message text). */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

// Run when executed directly (`tsx src/cli.ts …`, `node dist/src/cli.js …`); the bin script imports main() instead.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
