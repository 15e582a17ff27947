import { readFileSync } from 'node:fs';
import { z } from 'zod';

/*
 * The scripted model's rule language. A script is a list of rules; the first rule whose
 * `when` matches the conversation decides the reply. Strings in replies are templates:
 * {{lastUser}}, {{lastToolResult}}, {{match.1}}, … (see TEMPLATE_VARIABLE).
 */

export const REGEX_FLAGS = 'im';

export const TEMPLATE_VARIABLE =
  /^(lastUser|lastToolResult|lastToolName|toolResults|model|requestNumber|summary|facts|(match|toolMatch|history)\.\d+)$/;
const TEMPLATE_REFERENCE = /\{\{\s*([^{}]*?)\s*\}\}/g;

const RegexString = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, REGEX_FLAGS);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
  }
});

type TemplatedValue = string | number | boolean | null | TemplatedValue[] | { [key: string]: TemplatedValue };
const TemplatedValueSchema: z.ZodType<TemplatedValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(TemplatedValueSchema), z.record(z.string(), TemplatedValueSchema)]),
);

const MalformedSchema = z.union([z.boolean(), z.enum(['repairable', 'unrepairable'])]);

export const WhenSchema = z.strictObject({
  /** regex on the latest user message; captures → {{match.N}} */
  lastUserMatches: RegexString.optional(),
  /** regex on the latest tool result of the current turn; captures → {{toolMatch.N}} */
  lastToolResultMatches: RegexString.optional(),
  /** regex on earlier user messages (newest first), then the system prompt; captures → {{history.N}} */
  historyMatches: RegexString.optional(),
  /** whether the current turn already has tool results (i.e. this is a follow-up call) */
  hasToolResult: z.boolean().optional(),
  /** the tool whose result came last in the current turn */
  lastToolName: z.string().optional(),
  /** at least this many tool results in the current turn */
  minToolResults: z.number().int().min(1).optional(),
  /** at least this many tool results answering the latest model response (a parallel batch) */
  minBatchResults: z.number().int().min(1).optional(),
  /** the request offers this tool */
  toolAvailable: z.string().optional(),
  /** the request forces this tool (tool_choice) */
  toolChoice: z.string().optional(),
  /** the Nth chat request this server has answered (1-based) */
  nthRequest: z.number().int().min(1).optional(),
  api: z.enum(['openai', 'anthropic']).optional(),
  modelMatches: RegexString.optional(),
});

export const ReplySchema = z
  .strictObject({
    text: z.string().optional(),
    toolCalls: z
      .array(z.strictObject({ name: z.string().min(1), arguments: z.record(z.string(), TemplatedValueSchema).default({}) }))
      .optional(),
    thinking: z.string().optional(),
    /** send the tool-call arguments as broken JSON (`repairable`: Python-style; true/`unrepairable`: garbage) */
    malformedArguments: MalformedSchema.optional(),
  })
  .refine((reply) => reply.text !== undefined || (reply.toolCalls?.length ?? 0) > 0, {
    message: 'a reply needs `text` or at least one entry in `toolCalls`',
  });

export const RuleSchema = z
  .strictObject({
    name: z.string().optional(),
    when: WhenSchema.default({}),
    reply: ReplySchema,
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** streamed answers: split the text into this many deltas, with `pauseMs` between two SSE events (a slow model) */
    stream: z
      .strictObject({ pieces: z.number().int().min(1).max(10_000).optional(), pauseMs: z.number().int().min(0).max(60_000).optional() })
      .optional(),
  })
  .superRefine((rule, ctx) => {
    for (const { path, text } of templateStrings(rule.reply)) {
      for (const [, name] of text.matchAll(TEMPLATE_REFERENCE)) {
        if (!TEMPLATE_VARIABLE.test(name ?? '')) {
          ctx.addIssue({
            code: 'custom',
            path: ['reply', ...path],
            message: `unknown template variable {{${name}}}; use lastUser, lastToolResult, lastToolName, toolResults, model, requestNumber, summary, facts, match.N, toolMatch.N or history.N`,
          });
        }
      }
    }
  });

export const ScriptSchema = z.union([
  z.array(RuleSchema),
  z.strictObject({
    rules: z.array(RuleSchema),
    /** also use the built-in default rules after these */
    useDefaults: z.boolean().default(false),
  }),
]);

export type ScriptRule = z.input<typeof RuleSchema>;
export type ParsedRule = z.output<typeof RuleSchema>;
export type ParsedReply = z.output<typeof ReplySchema>;
export type ScriptInput = z.input<typeof ScriptSchema>;
export type MalformedMode = z.output<typeof MalformedSchema>;

export class InvalidScriptError extends Error {
  override readonly name = 'InvalidScriptError';
}

/** Validates a script; a bad one fails with every problem and where it is. */
export function parseScript(input: unknown, source = 'script'): { rules: ParsedRule[]; useDefaults: boolean } {
  // Pick the branch first so the errors describe it (a failed union only says "Invalid input").
  const schema = Array.isArray(input) ? ScriptSchema.options[0] : ScriptSchema.options[1];
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const shape = Array.isArray(input) || (input !== null && typeof input === 'object') ? '' : 'A script is a list of rules or { "rules": [...], "useDefaults": true }.\n';
    throw new InvalidScriptError(`Invalid scripted-LLM ${source}:\n${shape}${z.prettifyError(parsed.error)}`);
  }
  return Array.isArray(parsed.data) ? { rules: parsed.data, useDefaults: false } : parsed.data;
}

export function loadScriptFile(path: string): { rules: ParsedRule[]; useDefaults: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidScriptError(`Cannot read the script file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidScriptError(`The script file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseScript(json, `script file ${path}`);
}

/** Fills {{variables}}; unknown ones were rejected when the script was parsed. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(TEMPLATE_REFERENCE, (_, name: string) => vars[name] ?? '');
}

export function renderValue(value: TemplatedValue, vars: Record<string, string>): unknown {
  if (typeof value === 'string') return renderTemplate(value, vars);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderValue(item, vars)]));
  }
  return value;
}

function* templateStrings(reply: ParsedReply): Generator<{ path: (string | number)[]; text: string }> {
  if (reply.text !== undefined) yield { path: ['text'], text: reply.text };
  if (reply.thinking !== undefined) yield { path: ['thinking'], text: reply.thinking };
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    yield { path: ['toolCalls', index, 'name'], text: call.name };
    yield* valueStrings(call.arguments, ['toolCalls', index, 'arguments']);
  }
}

function* valueStrings(value: TemplatedValue, path: (string | number)[]): Generator<{ path: (string | number)[]; text: string }> {
  if (typeof value === 'string') yield { path, text: value };
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* valueStrings(item, [...path, index]);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* valueStrings(item, [...path, key]);
  }
}
