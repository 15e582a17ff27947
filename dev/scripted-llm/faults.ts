import { z } from 'zod';

/** Paths faults apply to when they name none: the two chat endpoints. */
export const CHAT_PATHS = ['/v1/chat/completions', '/v1/messages'];

export const FaultSchema = z
  .strictObject({
    /** answer with this HTTP status and a provider-shaped error body */
    status: z.number().int().min(400).max(599).optional(),
    /** 429/503: the Retry-After header, in seconds */
    retryAfterSeconds: z.number().min(0).optional(),
    /** the retry-after-ms header */
    retryAfterMs: z.number().int().min(0).optional(),
    /** the error message in the body (default: what the real API says for that status) */
    message: z.string().optional(),
    /** OpenAI `error.code` / Anthropic `error.type` */
    code: z.string().optional(),
    /** a 400 saying the prompt is longer than the context window */
    contextLength: z.boolean().optional(),
    /** the exact error body to send (overrides message/code) */
    body: z.unknown().optional(),
    /** wait this long before answering (or before the other effects) */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** tool-call arguments that are not valid JSON (`repairable`: Python-style) */
    malformedToolCall: z.union([z.boolean(), z.enum(['repairable', 'unrepairable'])]).optional(),
    /** close the socket without answering (true) or after part of a streamed answer */
    dropConnection: z.union([z.boolean(), z.literal('mid-stream')]).optional(),
    /** how many requests this fault applies to */
    times: z.number().int().min(1).default(1),
    /** only requests to this path, e.g. /v1/messages (default: both chat endpoints) */
    path: z.string().startsWith('/').optional(),
  })
  .refine(
    (fault) =>
      fault.status !== undefined || fault.contextLength || fault.delayMs !== undefined || fault.malformedToolCall || fault.dropConnection,
    { message: 'a fault needs at least one of status, contextLength, delayMs, malformedToolCall, dropConnection' },
  );

export type FaultInput = z.input<typeof FaultSchema>;
export type Fault = z.output<typeof FaultSchema>;

export const FaultListSchema = z.union([FaultSchema, z.array(FaultSchema), z.strictObject({ faults: z.array(FaultSchema) })]);

export function parseFaults(input: unknown): Fault[] {
  const parsed = FaultListSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid fault:\n${z.prettifyError(parsed.error)}`);
  const data = parsed.data;
  if (Array.isArray(data)) return data;
  return 'faults' in data ? data.faults : [data];
}

/** Faults waiting for requests; each request takes at most one. */
export class FaultQueue {
  private readonly pending: { fault: Fault; remaining: number }[] = [];

  add(faults: Fault[]): void {
    for (const fault of faults) this.pending.push({ fault, remaining: fault.times });
  }

  clear(): void {
    this.pending.length = 0;
  }

  get size(): number {
    return this.pending.length;
  }

  /** The fault for a request to `path`, if one is waiting (counts it as used). */
  take(path: string): Fault | undefined {
    const index = this.pending.findIndex(({ fault }) => (fault.path ? fault.path === path : CHAT_PATHS.includes(path)));
    const entry = this.pending[index];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.pending.splice(index, 1);
    return entry.fault;
  }
}

/** The status and body a real provider would send for this fault. */
export function faultResponse(fault: Fault, api: 'openai' | 'anthropic', model: string): { status: number; body: unknown; headers: Record<string, string> } {
  const status = fault.status ?? 400;
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  if (fault.body !== undefined) return { status, body: fault.body, headers };
  const preset = fault.contextLength ? contextLengthPreset(api) : (PRESETS[status] ?? PRESETS[status >= 500 ? 500 : 400]);
  const message = (fault.message ?? preset?.message ?? 'Scripted fault').replace('{model}', model);
  if (api === 'anthropic') {
    return { status, headers, body: { type: 'error', error: { type: fault.code ?? preset?.anthropicType ?? 'api_error', message } } };
  }
  return {
    status,
    headers,
    body: { error: { message, type: preset?.openaiType ?? 'server_error', param: null, code: fault.code ?? preset?.openaiCode ?? null } },
  };
}

interface Preset {
  message: string;
  anthropicType: string;
  openaiType: string;
  openaiCode: string | null;
}

const PRESETS: Record<number, Preset> = {
  400: { message: 'Invalid request (scripted fault).', anthropicType: 'invalid_request_error', openaiType: 'invalid_request_error', openaiCode: null },
  401: { message: 'Incorrect API key provided. (scripted fault)', anthropicType: 'authentication_error', openaiType: 'invalid_request_error', openaiCode: 'invalid_api_key' },
  403: { message: 'Your API key does not have permission to use the specified resource. (scripted fault)', anthropicType: 'permission_error', openaiType: 'invalid_request_error', openaiCode: null },
  404: { message: 'The model `{model}` does not exist or you do not have access to it. (scripted fault)', anthropicType: 'not_found_error', openaiType: 'invalid_request_error', openaiCode: 'model_not_found' },
  408: { message: 'Request timed out. (scripted fault)', anthropicType: 'timeout_error', openaiType: 'timeout', openaiCode: null },
  409: { message: 'Conflict. (scripted fault)', anthropicType: 'api_error', openaiType: 'conflict', openaiCode: null },
  429: { message: 'Rate limit reached. Please try again later. (scripted fault)', anthropicType: 'rate_limit_error', openaiType: 'requests', openaiCode: 'rate_limit_exceeded' },
  500: { message: 'The server had an error while processing your request. (scripted fault)', anthropicType: 'api_error', openaiType: 'server_error', openaiCode: null },
  529: { message: 'Overloaded (scripted fault)', anthropicType: 'overloaded_error', openaiType: 'server_error', openaiCode: null },
};

function contextLengthPreset(api: 'openai' | 'anthropic'): Preset {
  return api === 'anthropic'
    ? { message: 'prompt is too long: 212000 tokens > 200000 maximum (scripted fault)', anthropicType: 'invalid_request_error', openaiType: '', openaiCode: null }
    : {
        message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 212000 tokens. Please reduce the length of the messages. (scripted fault)",
        anthropicType: '',
        openaiType: 'invalid_request_error',
        openaiCode: 'context_length_exceeded',
      };
}
