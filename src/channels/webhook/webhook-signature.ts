import { hmacHex, signatureProblem } from '../request-signature.js';

/** Headers of a signed webhook request, both directions. */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-exoclaw-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-exoclaw-signature';

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${hmacHex(secret, `${timestamp}.${body}`)}`;
}

/** The signature headers for a body sent now. */
export function webhookSignatureHeaders(secret: string, body: string, now: number = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [WEBHOOK_TIMESTAMP_HEADER]: timestamp, [WEBHOOK_SIGNATURE_HEADER]: signWebhook(secret, timestamp, body) };
}

/** Why a request's signature is refused, or undefined when it is valid and fresh. */
export function webhookSignatureProblem(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  now: number = Date.now(),
): string | undefined {
  return signatureProblem(timestamp, signature, (ts) => signWebhook(secret, ts, body), now);
}
