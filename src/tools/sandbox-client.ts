import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AbortSignalLike } from '../core/abort.js';
import { isAbortError, linkSignals } from './abort-signals.js';
import type { ProcessResult } from './process-runner.js';

/**
 * Runs an exec command in a sandbox instead of on the worker: POST `<url>/execute`. One sandbox per
 * session (the agent-sandbox pattern), so the session id travels in `X-Session-Id` for a router to
 * pick the pod; with `sandboxIdPrefix`, `X-Sandbox-ID` names the Sandbox directly (the
 * kubernetes-sigs/agent-sandbox router routes on that header).
 */

export interface SandboxOptions {
  /** Base URL of the sandbox runner or router, e.g. http://sandbox-router.agents.svc:8080 */
  url: string;
  /** Extra request headers (e.g. Authorization for the router, X-Sandbox-Namespace). */
  headers?: Record<string, string>;
  /** When set, also send `X-Sandbox-ID: <prefix><hash of session id>`. */
  sandboxIdPrefix?: string;
  /** Seconds added to the command timeout before the HTTP request gives up (default 15). */
  requestMarginSeconds?: number;
}

export interface SandboxRequest {
  command: string;
  workingDir: string;
  timeoutSeconds: number;
  sessionId: string;
}

/** What POST /execute accepts. */
export const SandboxRequestSchema = z.object({
  command: z.string().min(1),
  workingDir: z.string().default('.'),
  timeoutSeconds: z.number().positive().max(24 * 3600),
  sessionId: z.string().default(''),
});

/** What POST /execute answers with on success (a ProcessResult). */
export const ProcessResultSchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  stdoutBytes: z.number(),
  stderrBytes: z.number(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
  cancelled: z.boolean(),
  outputLimitExceeded: z.boolean(),
  durationMs: z.number(),
  pid: z.number().nullable(),
  spawnError: z.string().optional(),
});

const ErrorBodySchema = z.object({ error: z.string() });

/** A DNS-label-safe sandbox name for a session: stable, and without the raw id's characters. */
export function sandboxIdFor(sessionId: string, prefix: string): string {
  const hash = createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
  return `${prefix}${hash}`.toLowerCase().slice(0, 63);
}

export type SandboxOutcome = { ok: true; result: ProcessResult } | { ok: false; error: string };

export async function executeInSandbox(
  sandbox: SandboxOptions,
  req: SandboxRequest,
  signal?: AbortSignalLike,
  onProgress?: (detail: string) => void,
): Promise<SandboxOutcome> {
  const endpoint = new URL('execute', sandbox.url.endsWith('/') ? sandbox.url : `${sandbox.url}/`);
  const shown = `${endpoint.origin}${endpoint.pathname}`; // never echo credentials in the URL
  const margin = sandbox.requestMarginSeconds ?? 15;
  const linked = linkSignals(signal, AbortSignal.timeout((req.timeoutSeconds + margin) * 1000));
  const started = Date.now();
  const progress = setInterval(() => {
    try {
      onProgress?.(`running in sandbox ${Math.round((Date.now() - started) / 1000)}s`);
    } catch {
      // progress is best effort
    }
  }, 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...sandbox.headers,
    'x-session-id': encodeURIComponent(req.sessionId),
  };
  if (sandbox.sandboxIdPrefix !== undefined) headers['x-sandbox-id'] = sandboxIdFor(req.sessionId, sandbox.sandboxIdPrefix);
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(req),
      signal: linked.signal,
      redirect: 'error',
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const detail = ErrorBodySchema.safeParse(body);
      const why = detail.success ? detail.data.error : text.slice(0, 300) || response.statusText;
      if (response.status === 400) return { ok: false, error: `Error: ${why}` };
      return { ok: false, error: `Error: the exec sandbox at ${shown} answered HTTP ${response.status}: ${why}` };
    }
    const parsed = ProcessResultSchema.safeParse(body);
    if (!parsed.success) {
      return { ok: false, error: `Error: the exec sandbox at ${shown} sent a response that is not an exec result` };
    }
    return { ok: true, result: parsed.data };
  } catch (error) {
    if (signal?.aborted) {
      return { ok: false, error: 'Error: the command was cancelled; the request to the sandbox was aborted' };
    }
    if (isAbortError(error)) {
      return {
        ok: false,
        error: `Error: the exec sandbox at ${shown} did not answer within ${req.timeoutSeconds + margin}s; the command may still have run`,
      };
    }
    const code = causeCode(error);
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return {
        ok: false,
        error: `Error: could not reach the exec sandbox at ${shown} (${code}); the command was not run. The sandbox may be starting or down; try again shortly`,
      };
    }
    return {
      ok: false,
      error: `Error: the request to the exec sandbox at ${shown} failed (${code ?? (error as Error).message}); the command may or may not have run`,
    };
  } finally {
    clearInterval(progress);
    linked.dispose();
  }
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}
