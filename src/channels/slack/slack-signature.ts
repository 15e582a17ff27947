import { hmacHex, sameSignature, staleTimestamp } from '../request-signature.js';

/** Why a Slack request's signature is refused (v0 scheme, 5-minute window), or undefined. */
export function slackSignatureProblem(
  signingSecret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  now: number = Date.now(),
): string | undefined {
  const stale = staleTimestamp(timestamp, now);
  if (stale) return stale;
  if (!signature) return 'missing signature';
  return sameSignature(signature, signSlack(signingSecret, timestamp!, body)) ? undefined : 'bad signature';
}

/** `v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<body>")>`, as Slack signs. */
export function signSlack(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${hmacHex(signingSecret, `v0:${timestamp}:${body}`)}`;
}
