import { z } from 'zod';
import type { InboundMessage } from '../channel-adapter.js';

const User = z.looseObject({ id: z.number(), username: z.string().optional(), is_bot: z.boolean().optional() });
const Message = z.looseObject({
  message_id: z.number(),
  from: User.optional(),
  chat: z.looseObject({ id: z.number(), type: z.string().optional() }),
  text: z.string().optional(),
  caption: z.string().optional(),
  reply_to_message: z.looseObject({ text: z.string().optional(), caption: z.string().optional() }).optional(),
});
export const TelegramUpdate = z.looseObject({ update_id: z.number(), message: Message.optional() });
export type TelegramUpdate = z.output<typeof TelegramUpdate>;

/** nanobot's greeting command answers like /help; `/stop@MyBot` (a group command) is `/stop`. */
function commandText(text: string): string {
  const command = /^\/(\w+)(@\w+)?(\s|$)/.exec(text);
  if (!command) return text;
  const name = command[1]!.toLowerCase();
  if (name === 'start') return '/help';
  return `/${name}${text.slice(command[0].trimEnd().length)}`;
}

/**
 * A Bot API update as a session message, or undefined for updates that carry no text (joins,
 * stickers, edits). A reply to an earlier message brings that message's text along, quoted.
 */
export function inboundFromUpdate(update: TelegramUpdate): InboundMessage | undefined {
  const message = update.message;
  const text = message?.text ?? message?.caption;
  if (!message || !text || !message.from || message.from.is_bot) return undefined;
  const quoted = message.reply_to_message?.text ?? message.reply_to_message?.caption;
  const body = commandText(text);
  return {
    channel: 'telegram',
    chatId: String(message.chat.id),
    senderId: String(message.from.id),
    senderAliases: message.from.username ? [message.from.username] : [],
    platformMessageId: String(message.message_id),
    text: quoted && !body.startsWith('/') ? `[Replying to: ${quoted.slice(0, 500)}]\n${body}` : body,
  };
}
