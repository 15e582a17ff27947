import { ApplicationFailure, log, setDefaultSignalHandler, setDefaultUpdateHandler, setHandler } from '@temporalio/workflow';
import {
  countUnknownMessage,
  NO_UNKNOWN_MESSAGES,
  unknownMessagesQuery,
  type UnknownMessageCounts,
} from '../src/contract/index.js';

/**
 * Signals and updates of names this workflow does not know are never dropped in silence: each is
 * logged with its name (never its arguments, which may hold anything) and counted, and the
 * `unknownMessages` query shows the counts. An unknown update is refused with the names this
 * workflow does know, so its caller learns at once. Register after the known handlers.
 */
export class UnknownMessages {
  private counts: UnknownMessageCounts;

  constructor(
    private readonly workflowType: string,
    private readonly known: { signals: readonly string[]; updates: readonly string[] },
    carried: UnknownMessageCounts = NO_UNKNOWN_MESSAGES,
  ) {
    this.counts = carried;
    setHandler(unknownMessagesQuery, () => this.counts);
    setDefaultSignalHandler((name) => {
      this.counts = countUnknownMessage(this.counts, 'signal', name);
      log.warn('unknown signal ignored', { signal: name, known: this.known.signals, unknownMessages: this.counts.total });
    });
    setDefaultUpdateHandler((name) => {
      this.counts = countUnknownMessage(this.counts, 'update', name);
      log.warn('unknown update refused', { update: name, known: this.known.updates, unknownMessages: this.counts.total });
      const updates = this.known.updates.length > 0 ? this.known.updates.join(', ') : 'none';
      // A Temporal failure refuses the update; any other error would fail the workflow task.
      throw ApplicationFailure.nonRetryable(
        `${this.workflowType} has no update "${name}". Its updates: ${updates}; its signals: ${this.known.signals.join(', ') || 'none'}.`,
        'InvalidInput',
      );
    });
  }

  get total(): number {
    return this.counts.total;
  }

  /** What a continued-as-new run carries on. */
  snapshot(): UnknownMessageCounts {
    return this.counts;
  }
}
