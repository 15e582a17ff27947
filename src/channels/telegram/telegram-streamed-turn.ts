import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { ChannelSendError } from '../channel-adapter.js';
import type { StreamedMessages } from '../streamed-messages.js';
import type { TelegramApi } from './telegram-api.js';
import { editTelegramMessage, TELEGRAM_MAX_CHARS } from './telegram-sender.js';

const SentMessage = z.looseObject({ message_id: z.number() });
/** One Bot API call of the stream waits this long at most: a hung call must not hold the chat's follower. */
const CALL_TIMEOUT_MS = 15_000;

export interface StreamedTurnDeps {
  api: TelegramApi;
  messages: StreamedMessages;
  /** The shortest gap between two Bot API calls for this message. */
  intervalMs: number;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * One turn's answer shown as it is written: the first text is sent as a message, later text
 * edits it, at most once per interval (longer after a 429's retry_after). Best effort: a failed
 * edit is skipped, never retried into the turn; the durable delivery makes the message final.
 * Past Telegram's 4096 characters the stream stops and the final delivery splits the text.
 */
export class TelegramStreamedTurn {
  private latest = '';
  private shown = '';
  private messageId: string | undefined;
  private claimed = false;
  private stopped = false;
  private nextAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;

  constructor(
    /** The delivery key of the turn's reply (`<turn>/reply`): the final delivery finds the message by it. */
    private readonly key: string,
    private readonly chatId: string,
    private readonly deps: StreamedTurnDeps,
  ) {}

  /** The turn's text so far. */
  show(text: string): void {
    if (this.stopped) return;
    this.latest = text;
    this.schedule();
  }

  /** The turn ended: no further edits (the final delivery takes over). */
  finish(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The turn answered with the `message` tool, so no reply will be delivered: stop, and delete
   * the streamed text (the message tool's own message is the answer). Best effort.
   */
  async discard(): Promise<void> {
    this.finish();
    await this.busy;
    if (!this.messageId) return;
    await this.deps.api.call('deleteMessage', { chat_id: this.chatId, message_id: Number(this.messageId) }, this.callSignal()).catch((error: unknown) => {
      this.deps.logger.debug({ chatId: this.chatId, err: error instanceof Error ? error.message : String(error) }, 'telegram streamed message not deleted');
    });
  }

  /** Resolves once no Bot API call of this turn is under way. */
  async idle(): Promise<void> {
    await this.busy;
  }

  private schedule(): void {
    if (this.timer || this.busy || this.stopped || this.latest === this.shown) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.busy = this.flush().finally(() => {
          this.busy = undefined;
          this.schedule();
        });
      },
      Math.max(0, this.nextAt - Date.now()),
    );
  }

  private async flush(): Promise<void> {
    const text = this.latest;
    if (!text.trim()) return void (this.shown = text);
    if (text.length > TELEGRAM_MAX_CHARS) return this.finish();
    try {
      if (this.messageId) await this.edit(text);
      else await this.sendFirst(text);
      this.shown = text;
      this.nextAt = Date.now() + this.deps.intervalMs;
    } catch (error) {
      const retryAfterMs = error instanceof ChannelSendError ? error.retryAfterMs : undefined;
      this.nextAt = Date.now() + Math.max(this.deps.intervalMs, retryAfterMs ?? 0);
      if (error instanceof ChannelSendError && !error.retryable) this.finish();
      if (!this.deps.signal.aborted) {
        this.deps.logger.debug({ chatId: this.chatId, err: error instanceof Error ? error.message : String(error) }, 'telegram stream edit skipped');
      }
    }
  }

  private callSignal(): AbortSignal {
    return AbortSignal.any([this.deps.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]);
  }

  private async sendFirst(text: string): Promise<void> {
    const { api, messages } = this.deps;
    if (!this.claimed) {
      // The final delivery came first (a quick turn, or streaming began late): it sends the message.
      if (!(await messages.claimForStream(this.key, this.chatId))) return this.finish();
      this.claimed = true;
    } else if ((await messages.read(this.key))?.final) {
      return this.finish();
    }
    const sent = SentMessage.safeParse(await api.call('sendMessage', { chat_id: this.chatId, text }, this.callSignal()));
    if (!sent.success) return this.finish();
    const messageId = String(sent.data.message_id);
    // False only when the delivery stopped waiting for this send: that message then stays as it is.
    if (!(await messages.recordMessage(this.key, messageId))) return this.finish();
    this.messageId = messageId;
  }

  private async edit(text: string): Promise<void> {
    const { api, messages } = this.deps;
    const messageId = this.messageId!;
    if ((await messages.read(this.key))?.final) return this.finish();
    if ((await editTelegramMessage(api, this.chatId, messageId, text, this.callSignal())) === 'gone') return this.finish();
    // The final delivery may have edited while this edit was on its way: put its text back.
    const final = (await messages.read(this.key))?.final;
    if (final) {
      this.finish();
      if (final.text !== text) await editTelegramMessage(api, this.chatId, messageId, final.text, this.callSignal());
    }
  }
}
