/**
 * The text a client has been shown for one turn, built from `delta` events, for streams that
 * cannot take text back (OpenAI chunks). When a model call is retried after its worker died
 * mid-stream, the retry's text is shown only past what the client already has, and only while
 * it agrees with it: the client never sees a mix of two attempts. At the end, whatever of the
 * reply the deltas did not cover is sent once.
 */
export class StreamedText {
  private readonly steps = new Map<string, { attempt: number; shown: string; retry: string; diverged: boolean }>();
  private lastStep: string | undefined;
  private any = false;

  /** The new text to send for a delta (may be ''). */
  add(step: string, attempt: number, text: string): string {
    let entry = this.steps.get(step);
    if (!entry) {
      entry = { attempt, shown: '', retry: '', diverged: false };
      this.steps.set(step, entry);
    }
    if (attempt < entry.attempt) return '';
    if (attempt > entry.attempt) this.restart(step, attempt);
    const separator = this.lastStep !== undefined && this.lastStep !== step && this.any && entry.shown === '' && entry.retry === '' ? '\n\n' : '';
    this.lastStep = step;
    if (entry.diverged) return '';
    entry.retry += text;
    if (entry.retry.length <= entry.shown.length) {
      if (!entry.shown.startsWith(entry.retry)) entry.diverged = true;
      return '';
    }
    if (!entry.retry.startsWith(entry.shown)) {
      entry.diverged = true;
      return '';
    }
    const fresh = entry.retry.slice(entry.shown.length);
    entry.shown = entry.retry;
    this.any = true;
    return separator + fresh;
  }

  /** A retry of `step` begins: its text is compared with what was shown, from the start. */
  restart(step: string, attempt: number): void {
    const entry = this.steps.get(step);
    if (!entry || attempt <= entry.attempt) return;
    entry.attempt = attempt;
    entry.retry = '';
  }

  /** What of the reply still has to be sent: all of it when no step was streamed, the rest of the last step, or ''. */
  remainderOf(content: string): string {
    const last = this.lastStep === undefined ? undefined : this.steps.get(this.lastStep);
    if (!last || last.shown === '') return this.any ? (content ? `\n\n${content}` : '') : content;
    return content.startsWith(last.shown) ? content.slice(last.shown.length) : '';
  }
}
