import { loadClientConnectConfig } from '@temporalio/envconfig';
import { parseTemporalAddress } from './temporal-address.js';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_TASK_QUEUE = 'exoclaw-temporal';

/** Where to reach Temporal, as given by flags or the config file (flags win). */
export interface TemporalTarget {
  address?: string;
  namespace?: string;
}

export interface ResolvedConnection {
  address: string;
  namespace: string;
  /** TLS / API key / gRPC metadata from the standard Temporal environment config. */
  tls?: unknown;
  apiKey?: string;
  metadata?: Record<string, string>;
}

/**
 * Flags, then the standard Temporal environment configuration (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the TOML config
 * file — Temporal Cloud works through these), then our config file, then localhost. The
 * address may be written as a URL (`http://…`, or `https://…` for TLS).
 */
export function resolveConnection(flags: TemporalTarget = {}, fromConfig: TemporalTarget = {}): ResolvedConnection {
  const standard = loadClientConnectConfig();
  const options = standard.connectionOptions as {
    address?: string;
    tls?: unknown;
    apiKey?: string;
    metadata?: Record<string, string>;
  };
  const [given, from] =
    flags.address !== undefined
      ? [flags.address, '--temporal-url']
      : options.address !== undefined
        ? [options.address, 'TEMPORAL_ADDRESS']
        : [fromConfig.address ?? DEFAULT_TEMPORAL_ADDRESS, 'temporal.address'];
  // `http://host:port` and `https://host:port` are accepted too; https turns TLS on.
  const { address, tls } = parseTemporalAddress(given, from);
  return {
    address,
    namespace: flags.namespace ?? standard.namespace ?? fromConfig.namespace ?? DEFAULT_NAMESPACE,
    tls: options.tls ?? tls,
    apiKey: options.apiKey,
    metadata: options.metadata,
  };
}
