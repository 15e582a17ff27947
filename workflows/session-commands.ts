// Chat commands a session answers at once, without queueing them behind the running turn.

export type SessionCommand = '/stop' | '/new' | '/help';

export const SESSION_HELP_TEXT = [
  'Commands:',
  '/new  - start a new conversation (stops running work, saves memory, clears this chat history)',
  '/stop - stop the running task, queued messages and subagents',
  '/help - show this list',
].join('\n');

/** The command a message is, if any ("/stop", "/STOP please" → "/stop"; "/stopper" → none). */
export function commandOf(text: string): SessionCommand | undefined {
  const first = text.trim().split(/\s+/, 1)[0]?.toLowerCase();
  return first === '/stop' || first === '/new' || first === '/help' ? first : undefined;
}

export function stoppedText(count: number): string {
  return count > 0 ? `Stopped ${count} ${count === 1 ? 'task' : 'tasks'}.` : 'No active task to stop.';
}
