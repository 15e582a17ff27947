/** Temporal's own port, used when a URL names none. */
export const TEMPORAL_PORT = 7233;

export interface TemporalAddress {
  /** host:port, as the SDK wants it. */
  address: string;
  /** true for an https:// URL (TLS implied); undefined otherwise (the TLS settings decide). */
  tls: true | undefined;
}

/** An address that is neither host:port nor an http(s) URL. */
export class TemporalAddressError extends Error {
  override readonly name = 'TemporalAddressError';
}

/**
 * Reads a Temporal frontend address as people write it: `host:port`, or a URL —
 * `http://host:port` (scheme dropped) or `https://host:port` (scheme dropped, TLS on). A URL
 * without a port gets Temporal's 7233; a path, query or credentials are refused.
 * `from` names where the address came from, for the error.
 */
export function parseTemporalAddress(text: string, from = 'the Temporal address'): TemporalAddress {
  const trimmed = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (trimmed === '' || /[/\s]/.test(trimmed)) throw invalid(text, from);
    return { address: trimmed, tls: undefined };
  }
  if (scheme !== 'http' && scheme !== 'https') throw invalid(text, from, `the scheme "${scheme}://" is not one Temporal speaks`);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalid(text, from);
  }
  if (url.username || url.password) throw invalid(text, from, 'credentials do not belong in the address (use TEMPORAL_API_KEY)');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    throw invalid(text, from, 'Temporal is reached at a host and port, without a path');
  }
  // URL drops a port equal to the scheme's default (80/443): keep what was written.
  const written = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:?#]*):(\d+)/i.exec(trimmed)?.[1];
  const port = written ?? (url.port || String(TEMPORAL_PORT));
  return { address: `${url.hostname}:${port}`, tls: scheme === 'https' ? true : undefined };
}

function invalid(text: string, from: string, why?: string): TemporalAddressError {
  return new TemporalAddressError(
    `${from} "${text}" is not a Temporal address${why ? ` (${why})` : ''}: give host:port, http://host:port or https://host:port (TLS), e.g. localhost:7233.`,
  );
}
