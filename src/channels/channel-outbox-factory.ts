import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { channelsConfig } from './channel-config.js';
import { ChannelOutbox } from './channel-outbox.js';
import { createChannelSenders } from './channel-senders.js';
import { DeliveryRecords } from './delivery-record.js';
import { StreamedMessages } from './streamed-messages.js';

/**
 * A worker's outbox over the channels enabled in its config, or undefined when none can send.
 * Settings that cannot work are logged and leave delivery off, rather than stop a worker that
 * also serves other sessions; `exoclaw-temporal channels` refuses the same settings at start.
 */
export function createChannelOutbox(config: Pick<Config, 'channels'>, stateDir: string, logger: Logger): ChannelOutbox | undefined {
  try {
    const senders = createChannelSenders(channelsConfig(config));
    if (Object.keys(senders).length === 0) return undefined;
    logger.info({ channels: Object.keys(senders) }, 'channel delivery enabled');
    return new ChannelOutbox(senders, new DeliveryRecords(stateDir), new StreamedMessages(stateDir));
  } catch (error) {
    logger.error({ err: error }, 'channel delivery disabled: the channels settings are invalid');
    return undefined;
  }
}
