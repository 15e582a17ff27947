import type { SessionEvent } from '../contract/session-events.js';

/**
 * What a client shows of the streamed model text, rebuilt from events: per model call (`step`)
 * only the newest attempt's deltas count. A `stream_restarted`, or a delta of a higher attempt,
 * drops the step's text so far; deltas of an older attempt (a worker presumed dead that still
 * streams) are ignored. So a retried call never shows a mix of both attempts.
 */
export class StreamText {
  private readonly steps = new Map<string, { attempt: number; text: string }>();
  private readonly order: string[] = [];

  /** Applies one event; returns what changed for a renderer: text to append, or a restart of that step. */
  apply(event: SessionEvent): { append: string } | { restart: string } | undefined {
    if (event.type !== 'delta' && event.type !== 'stream_restarted') return undefined;
    const current = this.steps.get(event.step);
    if (current && event.attempt < current.attempt) return undefined;
    if (!current) this.order.push(event.step);
    const restarted = current !== undefined && (event.type === 'stream_restarted' || event.attempt > current.attempt);
    if (!current || restarted) this.steps.set(event.step, { attempt: event.attempt, text: '' });
    if (event.type === 'stream_restarted') return current ? { restart: event.step } : undefined;
    this.steps.get(event.step)!.text += event.text;
    return restarted ? { restart: event.step } : { append: event.text };
  }

  /** The text of one model call, or of the last one. */
  text(step?: string): string {
    const key = step ?? this.order.at(-1);
    return key === undefined ? '' : (this.steps.get(key)?.text ?? '');
  }

  /** Every model call's text, in order. */
  all(): string[] {
    return this.order.map((step) => this.steps.get(step)?.text ?? '');
  }
}
