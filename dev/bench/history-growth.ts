// Metric 4: workflow history bytes per step when the session already holds a large
// transcript. History carries references, so the transcript size should barely show.
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Message } from '../../src/core/index.js';
import { benchTurnMessage } from './bench-script.js';
import { measureHistory } from '../../src/temporal/history-metrics.js';
import { encodedHistoryBytes } from './history-bytes.js';
import { BenchSanityError, type PhaseContext } from './phase-context.js';
import { round } from './stats.js';

export async function measureHistoryGrowth(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  const steps = opts.historySteps;
  for (const bytes of opts.transcriptBytes) {
    ctx.signal.throwIfAborted();
    const label = formatBytes(bytes);
    const sessionId = `bench-${ctx.runId}-history-${label}`;
    progress(`history: seeding a ${label} transcript, then a ${steps}-step turn`);
    await stack.deps.conversation.record(sessionId, `seed-${randomUUID()}`, seedTranscript(bytes));
    const transcriptBytes = await sessionFileBytes(ctx, sessionId);

    const outcome = await stack.exoclaw.runTurn({ sessionId, message: benchTurnMessage(steps) });
    if (outcome.toolsUsed.length !== steps) {
      throw new BenchSanityError(`The history turn ran ${outcome.toolsUsed.length} tool steps instead of ${steps}.`);
    }
    const history = await stack.client.workflow.getHandle(outcome.workflowId, outcome.runId).fetchHistory();
    const historyBytes = encodedHistoryBytes(history);
    const size = measureHistory(history);
    const context = {
      transcript: label,
      transcript_bytes: transcriptBytes,
      steps,
      history_bytes: historyBytes,
      payload_bytes: size.payloadBytes,
      events: size.events,
    };
    emit({
      metric: 'history_bytes_per_step',
      value: round(historyBytes / steps, 0),
      unit: 'bytes/step',
      context: { ...context, largest_payload_bytes: size.largestPayloadBytes },
    });
    emit({
      metric: 'history_largest_payload',
      value: size.largestPayloadBytes,
      unit: 'bytes',
      context: { ...context, event: size.largestPayloadEvent ?? 'none' },
    });
  }
}

/**
 * Alternating user/assistant messages totalling about `bytes` of text. Few, large messages
 * keep the session under the consolidation window; the text varies so nothing dedupes.
 */
export function seedTranscript(bytes: number): Message[] {
  const pairs = bytes <= 64 * 1024 ? 5 : 20;
  const perMessage = Math.max(1, Math.floor(bytes / (2 * pairs)));
  const messages: Message[] = [];
  for (let i = 0; i < pairs; i++) {
    messages.push({ role: 'user', content: filler(`question ${i}`, perMessage) });
    messages.push({ role: 'assistant', content: filler(`answer ${i}`, perMessage) });
  }
  return messages;
}

function filler(seed: string, length: number): string {
  const words = ['durable', 'agent', 'worker', 'history', 'activity', 'session', 'payload', 'replay', 'signal'];
  const parts: string[] = [`${seed}:`];
  let size = parts[0]?.length ?? 0;
  for (let i = 0; size < length; i++) {
    const word = `${words[(i * 7 + seed.length) % words.length]}${i % 97}`;
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(' ').slice(0, length);
}

async function sessionFileBytes(ctx: PhaseContext, sessionId: string): Promise<number> {
  const sessions = await ctx.stack.deps.conversation.listSessions();
  const path = sessions.find((info) => info.key === sessionId)?.path;
  if (!path) throw new BenchSanityError(`The seeded session ${sessionId} has no file in the state root.`);
  return (await stat(path)).size;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024}KB`;
  return `${bytes}B`;
}
