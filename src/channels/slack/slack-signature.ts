import { hmacHex, signatureProblem } from '../request-signature.js';

/** Why a Slack request's signature is refused (v0 scheme, 5-minute window), or undefined. */
export function slackSignatureProblem(
  signingSecret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  now: number = Date.now(),
): string | undefined {
  return signatureProblem(timestamp, signature, (ts) => signSlack(signingSecret, ts, body), now);
}

/** `v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<body>")>`, as Slack signs. */
export function signSlack(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${hmacHex(signingSecret, `v0:${timestamp}:${body}`)}`;
}
