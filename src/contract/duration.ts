import ms from 'ms';
import { z } from 'zod';

/**
 * The one duration grammar of the project, Temporal's own (`ms`): "500ms", "30s", "5m",
 * "1.5h", "7d", "2w", "10 minutes". A bare number in text is refused: a unit must be named.
 * Flags, config and workflow inputs all read durations through here. Zero ("0s") is refused
 * unless `allowZero` (a shutdown grace or a gc retention may be zero; a timeout may not).
 */
export function parseDuration(text: string, { allowZero = false }: { allowZero?: boolean } = {}): number | undefined {
  const trimmed = text.trim();
  if (!/[a-z]/i.test(trimmed) || trimmed.length > 100) return undefined;
  let millis: number;
  try {
    millis = ms(trimmed);
  } catch {
    return undefined;
  }
  if (allowZero && millis === 0) return 0; // also "-0s"
  return Number.isFinite(millis) && millis > 0 ? millis : undefined;
}

/** A positive duration: milliseconds, or text in the grammar above. Stays as given (Temporal reads both). */
export const Duration = z.union([
  z.number().int().positive(),
  z.string().refine((text) => parseDuration(text) !== undefined, { message: 'use a duration such as "30s", "5m" or "24h"' }),
]);
export type Duration = z.infer<typeof Duration>;

/** Milliseconds of a valid `Duration`. */
export function durationMs(value: Duration): number {
  return typeof value === 'number' ? value : (parseDuration(value) ?? 0);
}
