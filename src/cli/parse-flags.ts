import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../closest-name.js';
import { UsageError } from './common-flags.js';

export type ParsedFlags<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * `node:util` parseArgs for every command, except that a mistyped flag is a usage error naming
 * the flag it was probably meant to be: `unknown flag --sesion (did you mean --session?)`.
 */
export function parseFlags<T extends ParseArgsConfig>(config: T): ParsedFlags<T> {
  try {
    return parseArgs(config);
  } catch (error) {
    // Any parse error: a mistyped flag is the likelier cause (`--prot 1` is also "unexpected argument '1'").
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')) throw error;
    const flag = unknownFlag(config);
    if (flag === undefined) throw error;
    const guess = flag.startsWith('--') ? closestName(flag.slice(2), Object.keys(config.options ?? {})) : undefined;
    throw new UsageError(`unknown flag ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`);
  }
}

/** The first flag (as typed) that the options do not declare, found by a lenient second parse. */
function unknownFlag(config: ParseArgsConfig): string | undefined {
  const { tokens } = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  const known = new Set(Object.keys(config.options ?? {}));
  const token = tokens.find((t) => t.kind === 'option' && !known.has(t.name));
  return token?.kind === 'option' ? token.rawName : undefined;
}
