import { SIGNATURE_WINDOW_MS } from './request-signature.js';

/**
 * Signatures seen inside the signature window: the same signed request sent again is a replay
 * and refused. Per process; a replay reaching another replica is still answered once, since the
 * session drops a message id it has seen.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time a signature is seen inside the window. */
  firstTime(signature: string, now: number = Date.now()): boolean {
    for (const [key, expiry] of this.seen) {
      if (expiry > now) break; // insertion order is expiry order
      this.seen.delete(key);
    }
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, now + 2 * SIGNATURE_WINDOW_MS);
    return true;
  }
}
