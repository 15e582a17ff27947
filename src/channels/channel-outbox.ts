import type { ChannelAdapterName, ChannelDelivery, ChannelDeliveryResult } from '../contract/index.js';
import { ChannelSendError, type ChannelSender, type OutboundPart } from './channel-adapter.js';
import type { DeliveryRecords } from './delivery-record.js';
import { splitMessage } from './split-message.js';
import type { StreamedMessages } from './streamed-messages.js';

/**
 * Outbound delivery on a worker: splits a text at the platform's limit and sends the parts in
 * order, recording each so a retry resumes after the last part sent. Retryable failures are
 * thrown (the delivery activity retries); a platform's final refusal is returned. A reply whose
 * text the channels process streamed into a message (Telegram) edits that message into its first
 * part instead of sending a new one, so the chat sees one message per turn.
 */
export class ChannelOutbox {
  constructor(
    private readonly senders: Partial<Record<ChannelAdapterName, ChannelSender>>,
    private readonly records: DeliveryRecords,
    private readonly streamed?: StreamedMessages,
  ) {}

  has(channel: string): boolean {
    return Object.hasOwn(this.senders, channel);
  }

  async deliver(delivery: ChannelDelivery, signal?: AbortSignal): Promise<ChannelDeliveryResult> {
    const sender = this.senders[delivery.channel];
    if (!sender) return { status: 'not-configured', parts: 0, reason: `channels.${delivery.channel} is not enabled on this worker` };
    const texts = splitMessage(delivery.content, sender.maxMessageChars);
    const record = (await this.records.read(delivery.key)) ?? { parts: texts.length, sent: [] };
    for (let part = record.sent.length; part < texts.length; part++) {
      try {
        const outbound: OutboundPart = {
          chatId: delivery.chatId,
          text: texts[part]!,
          kind: delivery.kind,
          key: texts.length === 1 ? delivery.key : `${delivery.key}#${part + 1}`,
          part: part + 1,
          parts: texts.length,
        };
        const edited = part === 0 ? await this.editStreamed(sender, delivery, outbound, signal) : undefined;
        const { platformId } = edited ? { platformId: edited } : await sender.send(outbound, signal);
        record.sent.push(platformId ?? null);
        await this.records.write(delivery.key, record);
      } catch (error) {
        if (error instanceof ChannelSendError && !error.retryable) {
          return { status: 'refused', parts: record.sent.length, reason: error.message };
        }
        throw error;
      }
    }
    return { status: 'delivered', parts: texts.length };
  }

  /** The streamed message's id once it holds the first part; undefined when there is none to edit. */
  private async editStreamed(sender: ChannelSender, delivery: ChannelDelivery, part: OutboundPart, signal?: AbortSignal): Promise<string | undefined> {
    if (!this.streamed || !sender.edit || delivery.kind !== 'reply') return undefined;
    const messageId = await this.streamed.claimForFinal(delivery.key, delivery.chatId, part.text, signal);
    if (!messageId) return undefined;
    return (await sender.edit(part, messageId, signal)) === 'edited' ? messageId : undefined;
  }
}
