// The provider call and the tool run, each as a span (a child of the activity's) and as metrics.
import type { LLMResponse, ToolResult } from '../core/index.js';
import { agentMetrics } from './agent-metrics.js';
import { SpanKind, withSpan } from './spans.js';

export interface ModelCallInfo {
  /** the configured provider's name, e.g. openai, ollama */
  provider: string;
  model: string;
  /** the API root, for server.address */
  baseURL: string;
}

/**
 * Runs one model call as a `chat <model>` client span (OpenTelemetry GenAI attribute names; no
 * prompt text) and counts it: calls by outcome, tokens by type, duration. `classify` turns a
 * throw into the outcome label (the error kind, or `cancelled`).
 */
export async function instrumentModelCall(
  info: ModelCallInfo,
  call: () => Promise<LLMResponse>,
  classify: (error: unknown) => string,
): Promise<LLMResponse> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  return withSpan(
    `chat ${info.model}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': info.provider,
        'gen_ai.request.model': info.model,
        'server.address': hostOf(info.baseURL),
      },
    },
    async (span) => {
      let response: LLMResponse;
      try {
        response = await call();
      } catch (error) {
        const outcome = classify(error);
        span.setAttribute('error.type', outcome);
        agentMetrics.modelCall({ provider: info.provider, model: info.model, outcome, seconds: seconds() });
        throw error;
      }
      span.setAttributes({
        'gen_ai.response.model': response.model ?? info.model,
        'gen_ai.response.finish_reasons': [response.finishReason],
        'gen_ai.usage.input_tokens': response.usage.inputTokens,
        'gen_ai.usage.output_tokens': response.usage.outputTokens,
      });
      agentMetrics.modelCall({
        provider: info.provider,
        model: info.model,
        outcome: 'ok',
        seconds: seconds(),
        inputTokens: response.usage.inputTokens,
        outputTokens: response.usage.outputTokens,
      });
      return response;
    },
  );
}

/**
 * Runs one tool as an `execute_tool <name>` span and counts it by tool and outcome, with its
 * duration. `known` is false for a name the registry does not have (labelled `unknown`).
 */
export async function instrumentToolRun(
  tool: { name: string; callId: string; known: boolean },
  run: () => Promise<ToolResult>,
): Promise<ToolResult> {
  const name = tool.known ? tool.name : 'unknown';
  const started = performance.now();
  return withSpan(
    `execute_tool ${name}`,
    { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': tool.callId } },
    async (span) => {
      let outcome: 'ok' | 'error' = 'error';
      try {
        const result = await run();
        outcome = result.isError ? 'error' : 'ok';
        if (result.isError) span.setAttribute('error.type', 'tool_error');
        return result;
      } finally {
        agentMetrics.toolRun(tool.known ? tool.name : undefined, outcome, (performance.now() - started) / 1000);
      }
    },
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unknown';
  }
}
