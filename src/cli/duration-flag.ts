import { parseDuration } from '../contract/duration.js';
import { UsageError } from './common-flags.js';

export interface DurationFlagOptions {
  /** Shown in the error, e.g. "7d or 48h". */
  examples: string;
  /** The unit of a bare number, for flags that took one before they took durations (--heartbeat 90). */
  bareUnit?: 'ms' | 's';
  allowZero?: boolean;
}

/**
 * Milliseconds of a duration flag, read with the project's one grammar (src/contract/duration.ts),
 * or a usage error worded the same for every flag.
 */
export function durationFlag(flag: string, text: string, opts: DurationFlagOptions): number {
  const bare = opts.bareUnit !== undefined && /^\d+(\.\d+)?$/.test(text.trim());
  const millis = parseDuration(bare ? `${text.trim()}${opts.bareUnit}` : text, { allowZero: opts.allowZero });
  if (millis === undefined) throw new UsageError(`${flag} needs a duration such as ${opts.examples}, got "${text}"`);
  return millis;
}
