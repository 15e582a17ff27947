import { z } from 'zod';
import type { Bus, InboundMessage, OutboundMessage } from '../core/bus.js';
import type { Tool, ToolContext } from '../core/tool.js';
import { jsonSchemaOf, parseArgs } from './tool-args.js';

const MessageArgs = z.object({
  content: z.string().min(1).describe('The message text'),
  channel: z.string().min(1).optional().describe('Target channel (e.g. telegram, slack); default: the current one'),
  chat_id: z.string().min(1).optional().describe('Target chat on that channel; default: the current chat'),
});

interface ChatRef {
  channel: string;
  chatId: string;
  messageId?: string;
}

/**
 * `message`: send a message to a chat, on this channel or another. When it answers the chat the
 * current turn came from, it sets `sentInTurn` so the loop does not send a second reply.
 */
export class MessageTool implements Tool {
  readonly name = 'message';
  readonly description =
    'Send a message to a user. Without channel/chat_id it goes to the current chat (and counts as your reply); ' +
    'with them it goes to another chat or channel.';
  readonly parameters = jsonSchemaOf(MessageArgs);
  sentInTurn = false;

  private bus: Bus | undefined;
  private current: ChatRef | undefined;

  constructor(opts: { bus?: Bus } = {}) {
    this.bus = opts.bus;
  }

  setBus(bus: Bus): void {
    this.bus = bus;
  }

  onInbound(msg: InboundMessage): void {
    const messageId = msg.metadata?.messageId ?? msg.metadata?.message_id;
    this.current = {
      channel: msg.channel,
      chatId: msg.chatId,
      ...(typeof messageId === 'string' || typeof messageId === 'number' ? { messageId: String(messageId) } : {}),
    };
    this.sentInTurn = false;
  }

  async execute(args: Record<string, unknown>, ctx: ToolContext): Promise<string> {
    const parsed = parseArgs(MessageArgs, args, 'message');
    if (!parsed.ok) return parsed.error;
    const { content, channel: argChannel, chat_id: argChatId } = parsed.value;
    if (!this.bus) {
      return 'Error: the message tool is not connected to a message bus in this runtime, so nothing was sent; reply in your answer instead';
    }
    // The context knows the turn's chat (durable runs); onInbound covers the in-process loop.
    const here = ctx.channel && ctx.chatId ? { channel: ctx.channel, chatId: ctx.chatId } : this.current;
    const channel = argChannel ?? here?.channel;
    const chatId = argChatId ?? (argChannel === undefined || argChannel === here?.channel ? here?.chatId : undefined);
    if (!channel || !chatId) {
      return 'Error: no target chat: pass both channel and chat_id (there is no current chat to default to)';
    }
    const answersCurrent = here !== undefined && channel === here.channel && chatId === here.chatId;
    const outbound: OutboundMessage = { channel, chatId, content };
    if (answersCurrent && this.current?.messageId && this.current.chatId === chatId) outbound.replyTo = this.current.messageId;
    await this.bus.publishOutbound(outbound);
    if (answersCurrent) this.sentInTurn = true;
    return `Message sent to ${channel}:${chatId}`;
  }
}

export function createMessageTool(opts: { bus?: Bus } = {}): MessageTool {
  return new MessageTool(opts);
}
