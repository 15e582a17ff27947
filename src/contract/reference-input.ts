// The Python reference's wire shapes (Clause-Logic/exoclaw-temporal: snake_case keys, nested
// `llm` and `workspace` objects) and how they become ours. Workflows accept either shape; this
// file is the one place that maps them, so everything after it sees only our input.
//
// Per field of the reference, one rule (docs/durable-turns.md repeats it for users):
// - honoured: session_id, message, channel, chat_id, media, plugin_context, llm.model,
//   llm.temperature, llm.max_tokens, llm.max_iterations, llm.reasoning_effort, and the tool names
//   in tool_definitions_json (the model sees only those tools);
// - refused when set (a credential, or something that would send the worker's traffic or its
//   keys elsewhere): llm.api_key, llm.api_base, llm.extra_headers, workspace.web_search_api_key,
//   workspace.web_proxy, workspace.exec_path_append — the error says where the setting belongs;
// - ignored (worker settings the reference's client sends on every call, mostly with defaults):
//   workspace.path (a client never points a worker at another directory), workspace.exec_timeout,
//   workspace.restrict_to_workspace (the worker's confinement always applies),
//   workspace.web_search_max_results, workspace.sandbox_exec, llm.memory_window, turn_count.
import { z } from 'zod';
import { whereCredentialBelongs } from './credentials.js';
import { InputLimits, LIMITS } from './input-limits.js';
import { SessionMessageInput, SessionWorkflowInput, type SessionMessage } from './session-input.js';
import { TurnWorkflowInput } from './turn-input.js';

/** Which shape a client used: ours (camelCase) or the Python reference's (snake_case). */
export type InputDialect = 'native' | 'reference';

/** A workflow input as received: our shape, which shape it came in, and the reference fields not honoured. */
export interface WireInput<T> {
  input: T;
  dialect: InputDialect;
  /** Reference fields that were set but are not honoured here (names only, never values). */
  ignored: string[];
}

const unset = (value: unknown): boolean =>
  value === null ||
  value === undefined ||
  value === '' ||
  (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0);

/** A reference setting that only the worker's operator may make; unset values (null, '', {}) pass. */
function refusedWhenSet<T extends z.ZodType>(schema: T, belongs: string) {
  return schema.nullish().refine(unset, { message: `is not taken from a workflow input: ${belongs}` });
}

const ReferenceLlm = z
  .object({
    model: z.string().min(1).max(256).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    max_tokens: z.number().int().positive().max(1_000_000).nullish(),
    max_iterations: z.number().int().min(1).max(1000).nullish(),
    reasoning_effort: z.string().max(32).nullish(),
    api_key: refusedWhenSet(z.string(), whereCredentialBelongs('llm.api_key')),
    api_base: refusedWhenSet(z.string(), "set providers.<name>.apiBase in the worker's config file"),
    extra_headers: refusedWhenSet(z.record(z.string(), z.string()), "set providers.<name>.extraHeaders in the worker's config file"),
    memory_window: z.number().int().nullish(),
  })
  .strict();

const ReferenceWorkspace = z
  .object({
    path: z.string().max(4096).nullish(),
    exec_timeout: z.number().nullish(),
    exec_path_append: refusedWhenSet(z.string(), "exec's PATH is the worker's (tools.exec in its config file)"),
    restrict_to_workspace: z.boolean().nullish(),
    web_search_api_key: refusedWhenSet(z.string(), whereCredentialBelongs('workspace.web_search_api_key')),
    web_search_max_results: z.number().nullish(),
    web_proxy: refusedWhenSet(z.string(), 'workers reach the web directly; a proxy is not supported'),
    sandbox_exec: z.boolean().nullish(),
  })
  .strict();

/** Reference values that mean "the default": an ignored field set to one of these is not reported. */
const REFERENCE_DEFAULTS: Record<string, unknown> = {
  'llm.memory_window': 100,
  'workspace.exec_timeout': 10,
  'workspace.restrict_to_workspace': false,
  'workspace.web_search_max_results': 5,
  'workspace.sandbox_exec': false,
  turn_count: 0,
};

const ReferenceCommon = {
  session_id: InputLimits.sessionId,
  channel: z.string().max(128).nullish(),
  chat_id: z.string().max(256).nullish(),
  llm: ReferenceLlm.nullish(),
  workspace: ReferenceWorkspace.nullish(),
  tool_definitions_json: z.string().max(LIMITS.toolDefinitionsJsonChars).nullish(),
};

/** The reference's `TurnInput` (AgentTurnWorkflow). */
export const ReferenceTurnInput = z
  .object({
    ...ReferenceCommon,
    message: InputLimits.message,
    plugin_context: InputLimits.pluginContext.nullish(),
    media: InputLimits.media.nullish(),
  })
  .strict();
export type ReferenceTurnInput = z.input<typeof ReferenceTurnInput>;

/** The reference's `SessionInput` (AgentSessionWorkflow). */
export const ReferenceSessionInput = z
  .object({ ...ReferenceCommon, turn_count: z.number().int().min(0).nullish() })
  .strict();
export type ReferenceSessionInput = z.input<typeof ReferenceSessionInput>;

/** Top-level keys only the reference's shape has. */
const REFERENCE_ONLY_KEYS = new Set(['session_id', 'chat_id', 'llm', 'workspace', 'plugin_context', 'tool_definitions_json', 'turn_count']);
const SHARED_KEYS = new Set(['message', 'channel', 'media']);

type Issue = { message: string; path: PropertyKey[] };
type Mapped = { value: Record<string, unknown>; ignored: string[] } | { issues: Issue[] };

/** Our turn or session fields from the reference's common fields. */
function commonFields(ref: z.output<z.ZodObject<typeof ReferenceCommon>>): Mapped {
  const value: Record<string, unknown> = { sessionId: ref.session_id };
  const put = (key: string, v: unknown): void => {
    if (v !== null && v !== undefined) value[key] = v;
  };
  put('channel', ref.channel);
  put('chatId', ref.chat_id);
  put('model', ref.llm?.model);
  put('temperature', ref.llm?.temperature);
  put('maxTokens', ref.llm?.max_tokens);
  put('maxIterations', ref.llm?.max_iterations);
  put('reasoningEffort', ref.llm?.reasoning_effort);
  if (ref.tool_definitions_json) {
    const names = toolNamesOf(ref.tool_definitions_json);
    if (!names) {
      return {
        issues: [
          {
            path: ['tool_definitions_json'],
            message:
              'must be a JSON array of tool definitions, each naming its tool ({"type":"function","function":{"name":"read_file",…}} or {"name":"read_file",…})',
          },
        ],
      };
    }
    // An empty list means "not given": the worker's tools (the reference's own demo sends none).
    if (names.length > 0) value.onlyTools = names;
  }
  const ignored: string[] = [];
  const note = (path: string, v: unknown): void => {
    if (v === null || v === undefined || v === '') return;
    if (path in REFERENCE_DEFAULTS && REFERENCE_DEFAULTS[path] === v) return;
    ignored.push(path);
  };
  note('workspace.path', ref.workspace?.path);
  note('workspace.exec_timeout', ref.workspace?.exec_timeout);
  note('workspace.restrict_to_workspace', ref.workspace?.restrict_to_workspace);
  note('workspace.web_search_max_results', ref.workspace?.web_search_max_results);
  note('workspace.sandbox_exec', ref.workspace?.sandbox_exec);
  note('llm.memory_window', ref.llm?.memory_window);
  return { value, ignored };
}

/** The tool names in the reference's `tool_definitions_json`, or undefined when it is not such a list. */
export function toolNamesOf(json: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length > 256) return undefined;
  const names: string[] = [];
  for (const item of parsed) {
    const holder = (item as { function?: unknown })?.function ?? item;
    const name = (holder as { name?: unknown })?.name;
    if (typeof name !== 'string' || name.length === 0 || name.length > 64) return undefined;
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * A schema that takes a workflow input in either shape and gives ours (validated by `native`),
 * with the shape it came in. Mixing the shapes is refused: it is almost always a mistake.
 */
function wireSchema<N extends z.ZodType, R extends z.ZodObject>(
  native: N & { shape?: Record<string, unknown> },
  reference: R,
  toNative: (ref: z.output<R>) => Mapped,
) {
  const nativeKeys = new Set(Object.keys((native as unknown as z.ZodObject).shape ?? {}));
  return z.unknown().transform((raw, ctx): WireInput<z.output<N>> => {
    const fail = (issues: ReadonlyArray<Issue>): never => {
      for (const issue of issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
      return z.NEVER as never;
    };
    const keys = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.keys(raw) : [];
    const referenceKeys = keys.filter((key) => REFERENCE_ONLY_KEYS.has(key));
    if (referenceKeys.length === 0) {
      const parsed = native.safeParse(raw);
      return parsed.success ? { input: parsed.data, dialect: 'native', ignored: [] } : fail(parsed.error.issues);
    }
    const ourKeys = keys.filter((key) => nativeKeys.has(key) && !SHARED_KEYS.has(key));
    if (ourKeys.length > 0) {
      return fail([
        {
          path: [],
          message:
            `it mixes two shapes: ${referenceKeys.join(', ')} ${referenceKeys.length === 1 ? 'belongs' : 'belong'} to the Python ` +
            `reference's snake_case shape, ${ourKeys.join(', ')} to this project's. Use one, e.g. {"sessionId":"s1","message":"hi","maxIterations":5} ` +
            'or {"session_id":"s1","message":"hi","llm":{"max_iterations":5}}',
        },
      ]);
    }
    const ref = reference.safeParse(raw);
    if (!ref.success) return fail(ref.error.issues);
    const mapped = toNative(ref.data);
    if ('issues' in mapped) return fail(mapped.issues);
    const parsed = native.safeParse(mapped.value);
    return parsed.success ? { input: parsed.data, dialect: 'reference', ignored: mapped.ignored } : fail(parsed.error.issues);
  });
}

/** AgentTurnWorkflow's input as clients send it: ours or the reference's `TurnInput`. */
export const TurnInputOnTheWire = wireSchema(TurnWorkflowInput, ReferenceTurnInput, (ref) => {
  const common = commonFields(ref);
  if ('issues' in common) return common;
  const value = { ...common.value, message: ref.message };
  if (ref.media) Object.assign(value, { media: ref.media });
  if (ref.plugin_context) Object.assign(value, { pluginContext: ref.plugin_context });
  return { value, ignored: common.ignored };
});

/** AgentSessionWorkflow's input as clients send it: ours or the reference's `SessionInput`. */
export const SessionInputOnTheWire = wireSchema(SessionWorkflowInput, ReferenceSessionInput, (ref) => {
  const common = commonFields(ref);
  if ('issues' in common) return common;
  const ignored = [...common.ignored];
  if (ref.turn_count) ignored.push('turn_count');
  return { value: common.value, ignored };
});

/** The reference's signal `send_message(message, media=None, plugin_context=None)`. */
export const REFERENCE_SEND_MESSAGE = 'send_message';

const ReferencePendingMessage = z
  .object({
    message: InputLimits.message,
    media: InputLimits.media.nullish(),
    plugin_context: InputLimits.pluginContext.nullish(),
  })
  .strict();

/**
 * The arguments of a `send_message` signal as our message: the reference's positional
 * `(message, media?, plugin_context?)`, or one object — the reference's `{message, media,
 * plugin_context}` or our `{text, …}` (what `temporal workflow signal --input` sends).
 */
export const SendMessageArgs = z.array(z.unknown()).transform((args, ctx): SessionMessage => {
  const [first] = args;
  if (args.length === 0 || first === undefined || first === null) {
    ctx.addIssue({ code: 'custom', message: 'needs the message text as its first argument, e.g. send_message("hello")', path: [] });
    return z.NEVER as never;
  }
  if (first !== null && typeof first === 'object' && !Array.isArray(first) && 'text' in first) {
    const ours = SessionMessageInput.safeParse(first);
    if (ours.success) return ours.data;
    for (const issue of ours.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER as never;
  }
  const candidate =
    typeof first === 'string'
      ? args.length <= 3
        ? { message: first, media: args[1] ?? null, plugin_context: args[2] ?? null }
        : undefined
      : first;
  if (candidate === undefined) {
    ctx.addIssue({ code: 'custom', message: 'takes at most three arguments: message, media, plugin_context', path: [] });
    return z.NEVER as never;
  }
  const ref = ReferencePendingMessage.safeParse(candidate);
  if (!ref.success) {
    for (const issue of ref.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...issue.path] });
    return z.NEVER as never;
  }
  const message: SessionMessageInput = { text: ref.data.message };
  if (ref.data.media) message.media = ref.data.media;
  if (ref.data.plugin_context) message.pluginContext = ref.data.plugin_context;
  return SessionMessageInput.parse(message);
});
