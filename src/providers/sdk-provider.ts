import type { z } from 'zod';
import { LLMError } from '../core/errors.js';
import type { ChatRequest, LLMProvider, LLMResponse } from '../core/llm-provider.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { instrumentModelCall } from '../telemetry/instrument.js';
import { cancellationError, classifyError, isUserAbort, type ErrorContext } from './classify-error.js';
import { logResponse } from './log-response.js';
import type { SdkProviderOptions } from './provider-options.js';
import { PROVIDERS } from './provider-table.js';

/** Which API a concrete provider speaks; its default model, base URL and key variable come from the provider table. */
export interface SdkProviderDefaults {
  /** the provider's name in the table, e.g. `openai` */
  name: 'openai' | 'anthropic';
  /** what the API is, for "Is the base URL …?" in response errors, e.g. `an Anthropic Messages API` */
  apiDescription: string;
}

/**
 * What every SDK-backed provider does the same way: checks its key, names itself, strips a
 * routing prefix from the model, and wraps each call in one request log line, one response log
 * line, and the classification of whatever the SDK throws into an `LLMError` (logged once).
 * A subclass builds the request and makes the plain or streamed SDK call.
 */
export abstract class SdkProvider<Params> implements LLMProvider {
  /** the API root requests go to */
  readonly baseURL: string;
  protected readonly name: string;
  protected readonly log: Logger;
  private readonly model: string;
  private readonly errorContext: Omit<ErrorContext, 'model'>;
  private readonly apiDescription: string;

  protected constructor(options: SdkProviderOptions, defaults: SdkProviderDefaults) {
    const name = options.providerName ?? defaults.name;
    const spec = PROVIDERS[defaults.name];
    const keyEnv = spec.keyEnv;
    if (!options.apiKey) {
      throw new LLMError(`No API key for ${name}: set ${options.credentialHint ?? keyEnv}.`, { kind: 'authentication' });
    }
    this.name = name;
    this.model = options.defaultModel ?? spec.defaultModel;
    this.baseURL = options.baseURL ?? spec.defaultBase;
    this.log = (options.logger ?? sharedLogger()).child({ provider: name });
    this.apiDescription = defaults.apiDescription;
    this.errorContext = {
      provider: name,
      credentialHint: options.credentialHint ?? `${keyEnv} / providers.${defaults.name}.apiKey`,
      secrets: [options.apiKey],
      baseURL: this.baseURL,
    };
  }

  /** the provider name used in messages and logs, e.g. `ollama` */
  get providerName(): string {
    return this.name;
  }

  defaultModel(): string {
    return this.model;
  }

  async chat(request: ChatRequest): Promise<LLMResponse> {
    const model = this.modelFor(request.model);
    const params = this.buildParams(request, model);
    const stream = request.onDelta !== undefined;
    const signal = request.signal as AbortSignal | undefined;
    const { messages, ...extra } = this.describeRequest(params, request);
    this.log.debug({ model, messages, tools: request.tools.length, stream, ...extra }, 'llm request');
    // A span (child of the llmChat activity's) and the model metrics around the SDK's HTTP call.
    const telemetry = { provider: this.name, model, baseURL: this.baseURL };
    const outcome = (error: unknown): string => (error instanceof LLMError ? error.kind : 'cancelled');
    return instrumentModelCall(telemetry, () => this.callAndClassify(request, params, model, stream, signal), outcome);
  }

  private async callAndClassify(
    request: ChatRequest,
    params: Params,
    model: string,
    stream: boolean,
    signal: AbortSignal | undefined,
  ): Promise<LLMResponse> {
    try {
      const response = stream
        ? await this.streamChat(params, request.onDelta ?? (() => {}), signal)
        : await this.plainChat(params, signal);
      logResponse(this.log, model, response);
      return response;
    } catch (error) {
      if (isUserAbort(error, request.signal)) throw cancellationError(request.signal);
      const llmError = classifyError(error, { ...this.errorContext, model });
      this.log.warn(
        { model, kind: llmError.kind, status: llmError.status, retryable: llmError.retryable },
        `llm request failed: ${llmError.message}`,
      );
      throw llmError;
    }
  }

  /** The request body for the SDK. */
  protected abstract buildParams(request: ChatRequest, model: string): Params;

  /** Counts for the request log line (never prompt text): messages sent, plus anything API-specific. */
  protected abstract describeRequest(params: Params, request: ChatRequest): { messages: number } & Record<string, unknown>;

  protected abstract plainChat(params: Params, signal: AbortSignal | undefined): Promise<LLMResponse>;

  protected abstract streamChat(params: Params, onDelta: (text: string) => void, signal: AbortSignal | undefined): Promise<LLMResponse>;

  /** A response part checked against its schema; anything else is an `invalid_response` that names the first problem. */
  protected parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    throw new LLMError(
      `The server sent an unexpected ${what}: ${path}: ${issue?.message ?? 'invalid'}. Is the base URL ${this.apiDescription}?`,
      { kind: 'invalid_response' },
    );
  }

  /** The model to ask for; a routing prefix such as `ollama/` left on by the caller is removed. */
  private modelFor(requested: string): string {
    if (!requested) return this.model;
    const prefix = `${this.name}/`;
    return requested.startsWith(prefix) ? requested.slice(prefix.length) : requested;
  }
}
