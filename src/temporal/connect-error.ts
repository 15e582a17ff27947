import { connect } from 'node:net';
import type { ResolvedConnection } from './connection.js';

/** Temporal could not be reached (or the namespace is missing): a user error, not a crash. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
}

/**
 * Turns the SDK's transport errors into a message that says where and what to do; anything
 * else is returned as is. Shared by the worker's start-up check and every client command.
 */
export function explainConnectError(error: unknown, connection: ResolvedConnection): unknown {
  const text = chainText(error);
  const where = `${connection.address} (namespace "${connection.namespace}")`;
  if (isNamespaceNotFound(text)) {
    return new TemporalUnreachableError(
      `Temporal at ${connection.address} has no namespace "${connection.namespace}". ` +
        `Create it (temporal operator namespace create --namespace ${connection.namespace}) or pass --namespace.`,
    );
  }
  if (/TransportError|tcp connect error|Connection refused|ECONNREFUSED|dns error|Failed to call GetSystemInfo|UNAVAILABLE|deadline/i.test(text)) {
    const reason = /Connection refused|ECONNREFUSED/i.test(text)
      ? 'connection refused'
      : /dns error|ENOTFOUND|Name or service not known|Name resolution/i.test(text)
        ? 'host name not found'
        : /deadline|timed? ?out/i.test(text)
          ? 'no answer in time'
          : firstLine(text);
    return new TemporalUnreachableError(
      `Cannot reach Temporal at ${where}: ${reason}. ` +
        'Start a local stack with `npm start` (dev server + worker) or `temporal server start-dev`, ' +
        'or point --temporal-url / TEMPORAL_ADDRESS at your Temporal service.',
    );
  }
  return error;
}

/**
 * A quick TCP look at the address before the SDK's connect, which retries a refused port until
 * its deadline (10 s) and then says only "Failed to connect before the deadline". Resolves with
 * the reason when nothing can answer there (connection refused, unknown host), else undefined
 * (open, slow, or behind a proxy this look cannot see through: the SDK decides).
 */
export async function unreachableReason(address: string, timeoutMs = 2_000): Promise<string | undefined> {
  if (['grpc_proxy', 'https_proxy', 'http_proxy'].some((name) => process.env[name] || process.env[name.toUpperCase()])) return undefined;
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port)) return undefined;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reason: string | undefined): void => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? (error as { errors?: NodeJS.ErrnoException[] }).errors?.[0]?.code;
      done(code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host name not found' : undefined);
    });
  });
}

/** A NOT_FOUND that is about the namespace (a missing workflow is NOT_FOUND too). */
export function isNamespaceNotFound(text: string): boolean {
  return /namespace .*not found|NamespaceNotFound/i.test(text) || (/5 NOT_FOUND/.test(text) && /namespace/i.test(text));
}

function chainText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    const e = current as { name?: unknown; message?: unknown; cause?: unknown };
    parts.push(`${String(e.name ?? '')}: ${String(e.message ?? current)}`);
    current = e.cause;
  }
  return parts.join(' | ');
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}
