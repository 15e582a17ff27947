import type { ChannelAdapterName, ChannelDelivery } from '../contract/index.js';

/** One part of a delivery, as small as the platform takes. */
export interface OutboundPart {
  chatId: string;
  text: string;
  kind: ChannelDelivery['kind'];
  /** `<delivery key>#<n>`: the platform (or its fake) de-duplicates on it where it can. */
  key: string;
  part: number;
  parts: number;
}

/** The outbound half of an adapter: sends one part to a chat. Throws `ChannelSendError`. */
export interface ChannelSender {
  readonly channel: ChannelAdapterName;
  /** The platform's longest message; longer texts are split (see splitMessage). */
  readonly maxMessageChars: number;
  send(part: OutboundPart, signal?: AbortSignal): Promise<{ platformId?: string }>;
  /**
   * Replaces the text of a message sent earlier (a streamed answer): `gone` when it cannot be
   * edited any more, and the part is then sent as a new message. Platforms without edits omit it.
   */
  edit?(part: OutboundPart, platformId: string, signal?: AbortSignal): Promise<'edited' | 'gone'>;
}

/** A platform update made into what a session needs: who, where, which message, what text. */
export interface InboundMessage {
  channel: ChannelAdapterName;
  /** The chat the answer goes to (a Slack thread is `<channel>:<thread_ts>`). */
  chatId: string;
  /** Who wrote it: checked against `allowFrom`. */
  senderId: string;
  /** Other names the sender is known by (a Telegram @username), also matched by `allowFrom`. */
  senderAliases?: string[];
  /** The platform's id of this message; a redelivered update has the same one. */
  platformMessageId: string;
  text: string;
}

/**
 * A platform refused or failed a send. `retryable` failures (429, 5xx, the network) are retried
 * by the delivery activity, after `retryAfterMs` when the platform said; others (a chat that
 * does not exist, a bot blocked by the user) are final: retrying cannot help.
 */
export class ChannelSendError extends Error {
  override readonly name = 'ChannelSendError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** A ChannelSendError for an HTTP answer: 408/429/5xx retry (429 after its Retry-After), the rest do not. */
export function sendErrorFor(platform: string, status: number, detail: string, retryAfterSeconds?: number): ChannelSendError {
  const retryable = status === 408 || status === 429 || status >= 500;
  const after = retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) ? retryAfterSeconds * 1000 : undefined;
  return new ChannelSendError(`${platform} answered ${status}: ${detail}`.slice(0, 300), retryable, after);
}

/** fetch, with a network failure made a retryable ChannelSendError (never the URL: it may hold a token). */
export async function platformFetch(platform: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new ChannelSendError(`${platform} could not be reached (${cause})`, true);
  }
}

/** Retry-After in seconds (a number; an HTTP date is read as its distance from now). */
export function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}
