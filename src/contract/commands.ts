// Chat commands every runtime answers at once, without queueing them behind a running turn:
// one parser and one wording for the session workflow and the in-process AgentLoop alike.

export type ChatCommand = '/stop' | '/new' | '/help';

export const HELP_TEXT = [
  'Commands:',
  '/new  - start a new conversation (stops running work, saves memory, clears this chat history)',
  '/stop - stop the running task, queued messages and subagents',
  '/help - show this list',
].join('\n');

/** What a turn that ends without any text answers with. */
export const NO_RESPONSE = 'I finished, but have nothing to add.';

/** The command a message is, if any ("/stop", "/STOP please" → "/stop"; "/stopper" → none). */
export function commandOf(text: string): ChatCommand | undefined {
  const first = text.trim().split(/\s+/, 1)[0]?.toLowerCase();
  return first === '/stop' || first === '/new' || first === '/help' ? first : undefined;
}

export function stoppedText(count: number): string {
  return count > 0 ? `Stopped ${count} ${count === 1 ? 'task' : 'tasks'}.` : 'No active task to stop.';
}

/** The reply text of a finished turn: nothing when a tool already answered the chat. */
export function replyText(result: { finalContent: string; suppressReply: boolean }): string {
  return result.suppressReply ? '' : result.finalContent || NO_RESPONSE;
}
