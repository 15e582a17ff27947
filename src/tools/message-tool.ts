import { z } from 'zod';
import { toolError, toolOutput, type Delivery } from '../core/tool.js';
import { defineTool } from './define-tool.js';

const MessageArgs = z.object({
  content: z.string().min(1).describe('The message text'),
  channel: z.string().min(1).optional().describe('Target channel (e.g. telegram, slack); default: the current one'),
  chat_id: z.string().min(1).optional().describe('Target chat on that channel; default: the current chat'),
});

/**
 * `message`: send a message to a chat, on this channel or another, through whatever delivery the
 * runtime offers (`ctx.deliver`). When it answers the chat the current turn came from, the result
 * says so (`replied`) and the loop sends no second reply. Everything it needs comes with the call,
 * so one instance serves every session at once.
 */
export function createMessageTool() {
  return defineTool({
    name: 'message',
    description:
      'Send a message to a user. Without channel/chat_id it goes to the current chat (and counts as your reply); ' +
      'with them it goes to another chat or channel.',
    args: MessageArgs,
    async execute({ content, channel: argChannel, chat_id: argChatId }, ctx) {
      if (!ctx.deliver) {
        return toolError(
          'Error: messages cannot be delivered from this runtime, so nothing was sent; reply in your answer instead',
        );
      }
      const here = ctx.channel && ctx.chatId ? { channel: ctx.channel, chatId: ctx.chatId } : undefined;
      const channel = argChannel ?? here?.channel;
      const chatId = argChatId ?? (argChannel === undefined || argChannel === here?.channel ? here?.chatId : undefined);
      if (!channel || !chatId) {
        return toolError('Error: no target chat: pass both channel and chat_id (there is no current chat to default to)');
      }
      const answersCurrent = here !== undefined && channel === here.channel && chatId === here.chatId;
      const delivery: Delivery = { channel, chatId, content };
      if (answersCurrent && ctx.messageId) delivery.replyTo = ctx.messageId;
      await ctx.deliver(delivery);
      return toolOutput(`Message sent to ${channel}:${chatId}`, { replied: answersCurrent });
    },
  });
}
