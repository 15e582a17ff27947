import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signed requests older or newer than this are refused (replays, skewed clocks). */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

/** Hex HMAC-SHA256 of `<prefix><timestamp><separator><body>` (Slack: `v0:ts:body`; ours: `ts.body`). */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Constant-time comparison of two signatures (different lengths are simply unequal). */
export function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Why a signed request's timestamp (unix seconds) is refused, or undefined when it is inside the
 * window around now.
 */
export function staleTimestamp(timestamp: string | undefined, now: number = Date.now()): string | undefined {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing or malformed timestamp';
  const skew = Math.abs(now - Number(timestamp) * 1000);
  return skew > SIGNATURE_WINDOW_MS ? 'timestamp outside the 5-minute window (a replay, or a clock that is off)' : undefined;
}

/**
 * Why a signed request is refused, or undefined when its timestamp is fresh and its signature is
 * the one `sign(timestamp)` makes (compared in constant time).
 */
export function signatureProblem(
  timestamp: string | undefined,
  signature: string | undefined,
  sign: (timestamp: string) => string,
  now: number = Date.now(),
): string | undefined {
  const stale = staleTimestamp(timestamp, now);
  if (stale) return stale;
  if (!signature) return 'missing signature';
  return sameSignature(signature, sign(timestamp!)) ? undefined : 'bad signature';
}
