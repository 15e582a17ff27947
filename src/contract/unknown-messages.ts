// Signals and updates of names a workflow does not know. Temporal accepts a signal of any name
// and, without a handler, drops it without a word to anyone; our workflows log each one and
// count it here instead, so a client speaking another dialect can see what went unheard.
import { z } from 'zod';
import { queryDefinition } from './definitions.js';

/** Distinct names remembered; further names are only counted in `total`. */
export const UNKNOWN_NAMES_KEPT = 20;
/** A name longer than this is cut (names are client text). */
export const UNKNOWN_NAME_CHARS = 200;

export const UnknownMessageCount = z.object({
  kind: z.enum(['signal', 'update']),
  name: z.string(),
  count: z.number().int().min(1),
});
export type UnknownMessageCount = z.infer<typeof UnknownMessageCount>;

export const UnknownMessageCounts = z.object({
  /** Every unknown signal and update so far (in this workflow, or this session's continue-as-new chain). */
  total: z.number().int().min(0),
  /** Per name, in order of first arrival (at most UNKNOWN_NAMES_KEPT names). */
  byName: z.array(UnknownMessageCount),
});
export type UnknownMessageCounts = z.infer<typeof UnknownMessageCounts>;

export const NO_UNKNOWN_MESSAGES: UnknownMessageCounts = { total: 0, byName: [] };

/** The counts with one more `kind` message called `name` (a new value; the input is unchanged). */
export function countUnknownMessage(
  counts: UnknownMessageCounts,
  kind: UnknownMessageCount['kind'],
  rawName: string,
): UnknownMessageCounts {
  const name = rawName.slice(0, UNKNOWN_NAME_CHARS);
  const index = counts.byName.findIndex((entry) => entry.kind === kind && entry.name === name);
  let byName = counts.byName;
  if (index >= 0) byName = byName.map((entry, i) => (i === index ? { ...entry, count: entry.count + 1 } : entry));
  else if (byName.length < UNKNOWN_NAMES_KEPT) byName = [...byName, { kind, name, count: 1 }];
  return { total: counts.total + 1, byName };
}

/** Both workflows answer it: the signals and updates they received but do not know. */
export const unknownMessagesQuery = queryDefinition<UnknownMessageCounts>('unknownMessages');
