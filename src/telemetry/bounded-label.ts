/**
 * A label whose values stay few: the first `max` distinct values pass through, later ones become
 * `other`. Model and tool names come from configuration, but a workflow input can name any model
 * and a model can call any tool name, so a metric must not grow a series for each of those.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly overflow = 'other',
  ) {}

  value(raw: string | undefined): string {
    const value = (raw ?? '').trim().slice(0, 100) || 'unknown';
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return this.overflow;
    this.seen.add(value);
    return value;
  }
}
