import {
  ActivityCancellationType,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
  type LocalActivityInterfaceFor,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type {
  BuildPromptStep,
  ChatStep,
  ChatStepResult,
  Executor,
  HookPresence,
  MessageHandle,
  RecordStep,
  ToolSelection,
  ToolStep,
  ToolStepResult,
} from '../src/core/index.js';
import type { AgentActivities } from '../activities/index.js';
import { NON_RETRYABLE_FAILURE_TYPES, type ActivityOptionsInput, type ToolPolicy } from '../src/contract/index.js';
import { buildPromptSummary, llmChatSummary, recordTurnSummary, toolCallSummary } from './activity-summaries.js';

type Operation = keyof Required<ActivityOptionsInput>;

/**
 * Defaults per operation. Waiting for a busy session happens inside buildPrompt's retries,
 * hence its long schedule-to-close. Tools and model calls heartbeat, so a dead worker is
 * noticed within `heartbeatTimeout` and the activity moves to a survivor.
 */
// A user failure (a missing blob, a refused model…) ends the step at once, whichever activity raised it.
const nonRetryableErrorTypes = [...NON_RETRYABLE_FAILURE_TYPES];

export const DEFAULT_ACTIVITY_OPTIONS: Record<Operation, ActivityOptions> = {
  buildPrompt: {
    startToCloseTimeout: '1 minute',
    scheduleToCloseTimeout: '24 hours',
    retry: { initialInterval: '500ms', maximumInterval: '5s', backoffCoefficient: 1.5, nonRetryableErrorTypes },
  },
  llmChat: {
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '10s',
    retry: { initialInterval: '1s', maximumInterval: '60s', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes },
  },
  executeTool: {
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '10s',
    // A cancelled turn frees its session only once its tool has really stopped (its process
    // killed), so the next turn never runs beside it. (The SDK's effective default is TRY_CANCEL.)
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2, maximumAttempts: 5, nonRetryableErrorTypes },
  },
  recordTurn: {
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '500ms', maximumInterval: '10s', backoffCoefficient: 2, maximumAttempts: 20, nonRetryableErrorTypes },
  },
};

function optionsFor(op: Operation, overrides: ActivityOptionsInput | undefined): ActivityOptions {
  const base = DEFAULT_ACTIVITY_OPTIONS[op];
  const override = overrides?.[op];
  return { ...base, ...override, retry: { ...base.retry, ...override?.retry } } as ActivityOptions;
}

/**
 * A bounded tool (quick, local, cannot hang: see `Tool.bounded`) runs as a local activity: in the
 * worker that runs the workflow task, its result recorded as a marker in the same task, so a step
 * costs one server round trip (the model call) instead of two. The tool-call journal works as for
 * any activity (a retry after a crash is told the earlier attempt was cut off). No heartbeat: the
 * timeouts below bound it instead. The retries and cancellation are executeTool's.
 */
export const BOUNDED_TOOL_LOCAL_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '5 minutes',
};

/** Histories recorded before bounded tools ran as local activities replay as they were. */
export const LOCAL_BOUNDED_TOOLS_PATCH = 'local-bounded-tools';

function localToolOptions(overrides: ActivityOptionsInput | undefined): LocalActivityOptions {
  const { retry, cancellationType } = optionsFor('executeTool', overrides);
  return { ...BOUNDED_TOOL_LOCAL_OPTIONS, retry, cancellationType };
}

/**
 * buildPrompt and recordTurn first run once as a local activity (no server round trip); any
 * failure but a cancellation falls back to the activity with its usual retries. Both steps are
 * idempotent per turn id (the lease is re-taken by the same turn, the log skips a recorded turn),
 * so a second run after the local one is like a retry. A busy session is the common failure: the
 * wait for it stays a server-side retry of the full activity, since hours of local retries would
 * fill the history with workflow-task heartbeats (about three events every eight seconds).
 */
export const LOCAL_TURN_STEP_OPTIONS: LocalActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
};

/** Histories recorded before buildPrompt and recordTurn were tried locally replay as they were. */
export const LOCAL_TURN_STEPS_PATCH = 'local-turn-steps';

/** The turn's activities as workflow stubs (callable, or per call with options such as a summary). */
export type AgentActivityStubs = ActivityInterfaceFor<AgentActivities> & {
  /** executeTool as a local activity, for the tools the worker declared bounded. */
  localExecuteTool: LocalActivityInterfaceFor<AgentActivities>['executeTool'];
  /** One local attempt of buildPrompt / recordTurn before the activity (see LOCAL_TURN_STEP_OPTIONS). */
  localBuildPrompt: LocalActivityInterfaceFor<AgentActivities>['buildPrompt'];
  localRecordTurn: LocalActivityInterfaceFor<AgentActivities>['recordTurn'];
};

/** Activity stubs with per-operation options (a caller's overrides win). */
export function proxyAgentActivities(overrides?: ActivityOptionsInput): AgentActivityStubs {
  const { buildPrompt } = proxyActivities<AgentActivities>(optionsFor('buildPrompt', overrides));
  const { llmChat } = proxyActivities<AgentActivities>(optionsFor('llmChat', overrides));
  const { executeTool } = proxyActivities<AgentActivities>(optionsFor('executeTool', overrides));
  const { recordTurn, releaseSession } = proxyActivities<AgentActivities>(optionsFor('recordTurn', overrides));
  const { executeTool: localExecuteTool } = proxyLocalActivities<AgentActivities>(localToolOptions(overrides));
  const { buildPrompt: localBuildPrompt, recordTurn: localRecordTurn } = proxyLocalActivities<AgentActivities>(LOCAL_TURN_STEP_OPTIONS);
  return { buildPrompt, llmChat, executeTool, recordTurn, releaseSession, localExecuteTool, localBuildPrompt, localRecordTurn };
}

/** Runs `local` once; on a failure other than cancellation, runs `remote` (the activity, with its retries). */
async function localFirst<T>(local: () => Promise<T>, remote: () => Promise<T>): Promise<T> {
  try {
    return await local();
  } catch (error) {
    if (isCancellation(error)) throw error;
    return remote();
  }
}

/**
 * The Executor the workflows give to `runTurn`: every operation is an activity, each with a
 * one-line summary for the Web UI. Cancellation needs no signal here: cancelling the workflow
 * cancels the running activities.
 */
export class ActivityExecutor implements Executor {
  /** Tool calls the last model answer asked for: the next model call carries their results. */
  private lastToolCalls = 0;

  constructor(
    private readonly activities: AgentActivityStubs,
    private readonly opts: ToolSelection = {},
  ) {}

  maxIterations?: number;
  /** The turn's plugin context as a blob: every tool call carries this ref, not the text. */
  private pluginContextRef?: string;
  /** The worker's tool policy and user hooks, as buildPrompt reported them (the ToolGate reads them). */
  toolPolicy?: ToolPolicy;
  hooks?: HookPresence;
  /** Tools this turn runs as local activities (empty for turns of histories from before the patch). */
  private localTools: ReadonlySet<string> = new Set();
  /** buildPrompt and recordTurn try a local activity first (false for turns from before the patch). */
  private localSteps = false;

  async buildPrompt(req: BuildPromptStep): Promise<MessageHandle[]> {
    this.lastToolCalls = 0; // a new turn
    // Decided once per turn, before its first command, so replay takes the same path throughout.
    const localAllowed = patched(LOCAL_BOUNDED_TOOLS_PATCH);
    this.localSteps = patched(LOCAL_TURN_STEPS_PATCH);
    const options = { summary: buildPromptSummary(req.message) };
    const remote = () => this.activities.buildPrompt.executeWithOptions(options, [req]);
    const built = this.localSteps ? await localFirst(() => this.activities.localBuildPrompt.executeWithOptions(options, [req]), remote) : await remote();
    this.maxIterations = built.maxIterations;
    this.pluginContextRef = built.pluginContextRef;
    this.toolPolicy = built.toolPolicy;
    this.hooks = built.hooks;
    this.localTools = new Set(localAllowed ? (built.boundedTools ?? []) : []);
    return built.prompt;
  }

  async chat({ signal: _signal, ...req }: ChatStep): Promise<ChatStepResult> {
    const summary = llmChatSummary({ ...req, model: req.settings.model }, this.lastToolCalls);
    const result = await this.activities.llmChat.executeWithOptions({ summary }, [{ ...req, ...this.selection() }]);
    this.lastToolCalls = result.response.toolCalls.length;
    return result;
  }

  executeTool({ signal: _signal, pluginContext: _inline, ...req }: ToolStep): Promise<ToolStepResult> {
    const ref = this.pluginContextRef ? { pluginContextRef: this.pluginContextRef } : {};
    const stub = this.localTools.has(req.call.name) ? this.activities.localExecuteTool : this.activities.executeTool;
    return stub.executeWithOptions({ summary: toolCallSummary(req.call) }, [{ ...req, ...this.selection(), ...ref }]);
  }

  /** The tool selection, without empty keys (activity inputs stay as they were for turns that set none). */
  private selection(): ToolSelection {
    const { excludeTools, onlyTools } = this.opts;
    return { excludeTools, ...(onlyTools ? { onlyTools } : {}) };
  }

  async record(req: RecordStep): Promise<void> {
    const options = { summary: recordTurnSummary(req.messages) };
    const remote = () => this.activities.recordTurn.executeWithOptions(options, [req]);
    await (this.localSteps ? localFirst(() => this.activities.localRecordTurn.executeWithOptions(options, [req]), remote) : remote());
  }

  clear(): Promise<boolean> {
    return Promise.reject(new Error('Clearing a session is done by the session workflow (/new).'));
  }
}
