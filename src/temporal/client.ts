import { randomUUID } from 'node:crypto';
import { Client, Connection, type ConnectionOptions, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TurnWorkflowInput, TurnWorkflowResult } from '../contract/index.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { explainConnectError, unreachableReason } from './connect-error.js';
import { tracingFromEnv, type Tracing } from '../telemetry/tracing.js';
import { DEFAULT_TASK_QUEUE, type ResolvedConnection } from './connection.js';
import { exoclawDataConverter } from './data-converter.js';

export type TurnRequest = TurnWorkflowInput;

export interface TurnOutcome extends TurnWorkflowResult {
  workflowId: string;
  runId: string;
}

export interface ConnectClientOptions {
  /** The workers' state root, when mounted: payloads over 256 KiB are kept there instead of in history. */
  stateDir?: string;
  /** The workers' payload encryption keys (loadEncryptionKeys); required when the workers encrypt. */
  encryption?: EncryptionKeyRing;
  /** Where spans go; default: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing (null: none). */
  tracing?: Tracing | null;
}

/**
 * Opens a client connection (TLS and API key included when configured) with the workers' data
 * converter; with tracing on, a workflow it starts continues the caller's trace. An unreachable
 * server or a missing namespace fails here, with a message naming the address and what to do
 * (`TemporalUnreachableError`), not at the first call.
 */
export async function connectClient(target: ResolvedConnection, opts: ConnectClientOptions = {}): Promise<Client> {
  const unreachable = await unreachableReason(target.address);
  if (unreachable) throw explainConnectError(new Error(unreachable === 'connection refused' ? 'Connection refused' : 'dns error'), target);
  const tracing = opts.tracing === undefined ? await tracingFromEnv() : (opts.tracing ?? undefined);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: target.address,
      tls: target.tls as ConnectionOptions['tls'],
      apiKey: target.apiKey,
      metadata: target.metadata,
    });
  } catch (error) {
    throw explainConnectError(error, target);
  }
  await checkNamespace(connection, target);
  const dataConverter = exoclawDataConverter({ stateDir: opts.stateDir, encryption: opts.encryption });
  return new Client({ connection, namespace: target.namespace, dataConverter, interceptors: tracing ? { workflow: [tracing.clientInterceptor()] } : undefined });
}

/** A missing namespace is named now; other answers (an API key not allowed to describe it, say) are left to the real calls. */
async function checkNamespace(connection: Connection, target: ResolvedConnection): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace: target.namespace });
  } catch (error) {
    const explained = explainConnectError(error, target);
    if (explained !== error) {
      await connection.close().catch(() => undefined);
      throw explained;
    }
  }
}

/** Typed helpers for TypeScript users who start turns from their own services. */
export class ExoclawClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
  ) {}

  /** Starts a turn; the workflow id defaults to `turn-<session>-<uuid>`. */
  async startTurn(request: TurnRequest, opts: { workflowId?: string } = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
    return this.client.workflow.start('AgentTurnWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: opts.workflowId ?? `turn-${request.sessionId}-${randomUUID()}`,
      args: [request],
    });
  }

  /** Runs a turn and waits for its answer. */
  async runTurn(request: TurnRequest, opts: { workflowId?: string } = {}): Promise<TurnOutcome> {
    const handle = await this.startTurn(request, opts);
    const result = (await handle.result()) as TurnWorkflowResult;
    return { ...result, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
