import { loadClientConnectConfig } from '@temporalio/envconfig';

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
 * file — Temporal Cloud works through these), then our config file, then localhost.
 */
export function resolveConnection(flags: TemporalTarget = {}, fromConfig: TemporalTarget = {}): ResolvedConnection {
  const standard = loadClientConnectConfig();
  const options = standard.connectionOptions as {
    address?: string;
    tls?: unknown;
    apiKey?: string;
    metadata?: Record<string, string>;
  };
  return {
    address: flags.address ?? options.address ?? fromConfig.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: flags.namespace ?? standard.namespace ?? fromConfig.namespace ?? DEFAULT_NAMESPACE,
    tls: options.tls,
    apiKey: options.apiKey,
    metadata: options.metadata,
  };
}
