import { Context } from '@temporalio/activity';
import {
  ERROR_HINT,
  isToolOffered,
  oneLine,
  toolError,
  toolResultMessage,
  type ToolResult,
  type ToolSelection,
  type ToolStep,
  type ToolStepResult,
} from '../src/core/index.js';
import { withChannelDelivery } from '../src/channels/tool-delivery.js';
import { capToolOutput, DEFAULT_TOOL_PREVIEW_CHARS, storeMessages } from '../src/storage/index.js';
import { instrumentToolRun } from '../src/telemetry/instrument.js';
import type { ActivityDeps } from './activity-deps.js';
import { keepAlive, throwIfCancelled } from './heartbeat.js';
import { keepSessionLease } from './session-lease-keeper.js';
import { toolEvents } from './tool-events.js';

export type ExecuteToolInput = Omit<ToolStep, 'signal' | 'pluginContext'> &
  ToolSelection & {
    /** The turn's plugin context, stored once by buildPrompt (history carries the ref, not the text). */
    pluginContextRef?: string;
  };

/**
 * Runs one tool call, at least once but never silently twice: the journal on the shared volume
 * returns a finished call's result on retry and tells the tool when an earlier attempt was cut
 * off mid-run. Heartbeats carry the tool's progress; cancellation reaches the tool's process.
 */
export function executeToolActivity(deps: ActivityDeps) {
  return async function executeTool(req: ExecuteToolInput): Promise<ToolStepResult> {
    const ctx = Context.current();
    const { call, turnId } = req;
    const previous = await deps.journal.read(turnId, call.id);
    if (previous?.status === 'done' && previous.messageRef) {
      return {
        preview: previous.preview ?? '',
        isError: previous.isError ?? false,
        replied: previous.replied,
        message: { ref: previous.messageRef, count: 1 },
      };
    }
    const lease = await keepSessionLease(deps, req.sessionId, turnId);
    const events = toolEvents(deps, req);
    // The message tool: to a channel's chat (keyed by this call), and to the event stream.
    const deliver = withChannelDelivery(events.deliver, deps.channels, `${turnId}/${call.id}`, ctx.cancellationSignal);
    await events.started();
    let progress = '';
    let beat: { stop(): void } | undefined;
    let outcome: ToolResult;
    try {
      await deps.journal.write(turnId, call.id, { status: 'started', attempt: ctx.info.attempt });
      // A bounded tool run as a local activity has no heartbeat (its timeouts bound it instead).
      if (!ctx.info.isLocal) beat = keepAlive(() => ({ phase: 'tool', tool: call.name, progress }), deps.heartbeatIntervalMs);
      const pluginContext = req.pluginContextRef ? await deps.blobs.getJson<string[]>(req.pluginContextRef) : undefined;
      outcome = !isToolOffered(call.name, req)
        ? toolError(`Error: Tool '${call.name}' is not available here.${ERROR_HINT}`)
        : await instrumentToolRun({ name: call.name, callId: call.id, known: deps.tools.has(call.name) }, () =>
            deps.tools.execute(call, {
              sessionId: req.sessionId,
              // A session with no chat of its own (chat, the CLI) is reached on the `session` channel.
              ...events.chat,
              messageId: req.messageId,
              turnId,
              toolCallId: call.id,
              ...(pluginContext ? { pluginContext } : {}),
              signal: ctx.cancellationSignal,
              onProgress: (detail) => {
                progress = detail;
                events.progress(detail);
              },
              ...(deliver ? { deliver } : {}),
              previousAttemptInterrupted: previous?.status === 'started',
            }),
          );
    } finally {
      beat?.stop();
      lease.stop();
      await events.settle();
    }
    throwIfCancelled();

    const content = await capToolOutput(
      deps.stateDir,
      { sessionId: req.sessionId, turnId, callId: call.id },
      outcome.output,
      deps.toolPreviewChars ?? DEFAULT_TOOL_PREVIEW_CHARS,
    );
    const message = await storeMessages(deps.blobs, [toolResultMessage(call, content, turnId, req.decision)]);
    const preview = oneLine(content, 200);
    await deps.journal.write(turnId, call.id, {
      status: 'done',
      attempt: ctx.info.attempt,
      messageRef: message.ref,
      isError: outcome.isError,
      preview,
      replied: outcome.replied,
    });
    await events.finished(outcome.isError, preview);
    // The readable part first: the Web UI shows a result's leading keys before the reference.
    return { preview, isError: outcome.isError, replied: outcome.replied, message };
  };
}
