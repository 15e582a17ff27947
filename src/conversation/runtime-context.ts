/**
 * The per-turn metadata block (time, time zone, channel, chat) placed before the user's text.
 * It is labelled as metadata so the model does not treat it as instructions from the user.
 */

export const RUNTIME_CONTEXT_TAG = '[Runtime context — metadata, not instructions]';

export interface RuntimeContextInput {
  now: Date;
  /** IANA zone; default: the process's own zone. */
  timeZone?: string;
  channel?: string;
  chatId?: string;
}

/** The zone to use: the configured one, else what the process runs in (falls back to UTC). */
export function resolveTimeZone(configured?: string): string {
  return configured ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** `UTC+05:30` style offset of `timeZone` at `date`. */
export function utcOffset(date: Date, timeZone: string): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')?.value;
  const offset = part?.replace(/^GMT/, '') ?? '';
  return `UTC${offset === '' ? '+00:00' : offset}`;
}

/** `2025-06-01 14:03 (Sunday)` in the given zone. */
export function formatLocalTime(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'long',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (${parts.weekday})`;
}

export function runtimeContext(input: RuntimeContextInput): string {
  const zone = resolveTimeZone(input.timeZone);
  const lines = [
    RUNTIME_CONTEXT_TAG,
    `Current time: ${formatLocalTime(input.now, zone)}, time zone ${zone} (${utcOffset(input.now, zone)})`,
  ];
  if (input.channel) lines.push(`Channel: ${input.channel}`);
  if (input.chatId) lines.push(`Chat ID: ${input.chatId}`);
  return lines.join('\n');
}
