import type { ChatRequest, LLMProvider, LLMResponse, ToolCall } from '../../../src/core/index.js';

/** One scripted answer: a response, an error to throw, or a function of the request. */
export type ScriptStep = LLMResponse | Error | ((request: ChatRequest, callIndex: number) => LLMResponse | Promise<LLMResponse>);

/**
 * A fake LLMProvider for unit tests of the loop: answers from a script, in order, and keeps
 * every request it saw. Running out of script is an error, so a loop that calls the model
 * more often than expected fails loudly.
 */
export class ScriptedProvider implements LLMProvider {
  readonly requests: ChatRequest[] = [];
  private readonly steps: ScriptStep[];
  private readonly fallback: ScriptStep | undefined;

  constructor(steps: ScriptStep[] = [], opts: { fallback?: ScriptStep; model?: string } = {}) {
    this.steps = [...steps];
    this.fallback = opts.fallback;
    this.model = opts.model ?? 'scripted-model';
  }

  private readonly model: string;

  defaultModel(): string {
    return this.model;
  }

  push(...steps: ScriptStep[]): void {
    this.steps.push(...steps);
  }

  get calls(): number {
    return this.requests.length;
  }

  async chat(request: ChatRequest): Promise<LLMResponse> {
    const index = this.requests.length;
    this.requests.push({ ...request, messages: [...request.messages] });
    const step = this.steps.shift() ?? this.fallback;
    if (step === undefined) throw new Error(`ScriptedProvider: script exhausted (call #${index + 1})`);
    if (step instanceof Error) throw step;
    if (typeof step === 'function') return step(request, index);
    return step;
  }
}

let autoId = 0;

/** A tool call; ids are unique unless given. */
export function call(name: string, args: Record<string, unknown> = {}, id?: string): ToolCall {
  autoId += 1;
  return { id: id ?? `call_${autoId}`, name, arguments: args };
}

/** A final answer. */
export function reply(content: string | null, extra: Partial<LLMResponse> = {}): LLMResponse {
  return { content, toolCalls: [], finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 }, ...extra };
}

/** A response asking for tools. */
export function toolCalls(...calls: ToolCall[]): LLMResponse {
  return { content: null, toolCalls: calls, finishReason: 'tool_calls', usage: { inputTokens: 10, outputTokens: 5 } };
}
