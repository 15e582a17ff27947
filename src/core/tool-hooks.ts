// Hook types shared by the in-process loop, durable workflows and user code in workers.
// Small and stable on purpose: library users implement `AgentHooks`; workflows only see decisions.

/** Where a hook runs: the turn and the chat it answers. */
export interface HookScope {
  sessionId: string;
  turnId: string;
  channel?: string;
  chatId?: string;
}

/** One tool call as a pre-tool hook sees it (arguments as the model sent them, or as rewritten). */
export interface ToolCallContext extends HookScope {
  toolCallId: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * What a pre-tool hook decides about one call. `deny`'s reason is what the model reads as the
 * tool's result; `rewrite` runs the call with other arguments; `ask` waits for a person
 * (durable workers only: see docs/approvals.md). Returning nothing means "no objection".
 */
export type PreToolDecision =
  | { action: 'allow'; reason?: string }
  | { action: 'deny'; reason: string }
  | { action: 'rewrite'; args: Record<string, unknown>; reason?: string }
  | { action: 'ask'; reason?: string };

export type PreToolAction = PreToolDecision['action'];

/** The prompt about to be built for a user message. */
export interface PromptContext extends HookScope {
  message: string;
}

/** A finished (recorded) turn. */
export interface TurnEndContext extends HookScope {
  /** How many messages the turn recorded (user message, assistant and tool messages). */
  messageCount: number;
}

type Maybe<T> = T | null | undefined | void;

/**
 * User hooks for a worker (`createAgentWorker({ hooks })`). In durable turns they run in
 * activities, so they may do I/O; the config's tool policy runs as rules inside the workflow.
 * Both decide a tool call: the stricter answer wins (deny, then ask, then allow), and the policy
 * checks a rewrite's arguments.
 */
export interface AgentHooks {
  /** Text appended to the system prompt. */
  beforePrompt?(ctx: PromptContext): Maybe<string> | Promise<Maybe<string>>;
  /** Allow, deny (with a reason the model sees), rewrite the arguments, or ask a person. */
  beforeTool?(ctx: ToolCallContext): Maybe<PreToolDecision> | Promise<Maybe<PreToolDecision>>;
  /** After the turn is recorded. Its failure is logged and never fails the turn. */
  afterTurn?(ctx: TurnEndContext): void | Promise<void>;
}

/** Which `AgentHooks` a worker has: workflows call the hook activities only for these. */
export interface HookPresence {
  beforeTool?: boolean;
}

/** Who decided a tool call, recorded with its tool message in the session log (the audit trail). */
export interface ToolDecisionRecord {
  action: 'allow' | 'deny';
  /** `policy`: a config rule; `hook`: user code; `approval`: a person; `grant`: an earlier "allow for this session"; `timeout`: nobody answered in time. */
  source: 'policy' | 'hook' | 'approval' | 'grant' | 'timeout';
  /** The policy rule that matched (0-based index in `tools.policy.rules`). */
  rule?: number;
  reason?: string;
  /** The person who answered an approval (as the client named them). */
  by?: string;
  /** ISO time of the decision (workflow time). */
  at?: string;
  approvalId?: string;
  /** The arguments were rewritten by a hook before the call ran. */
  rewritten?: boolean;
}

/** The strictest of two actions (deny over ask over allow). */
export function stricterAction(a: PreToolAction, b: PreToolAction): PreToolAction {
  const rank: Record<PreToolAction, number> = { allow: 0, rewrite: 0, ask: 1, deny: 2 };
  return rank[b] > rank[a] ? b : a;
}
