import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from './atomic-write.js';

export interface ToolCallRecord {
  status: 'started' | 'done';
  attempt: number;
  /** set when done: the stored tool message and how it ended */
  messageRef?: string;
  isError?: boolean;
  preview?: string;
  /** the tool answered the chat itself */
  replied?: boolean;
}

/**
 * What happened to each tool call, in the shared state root. Activities run at least once: a
 * retried call whose earlier attempt finished returns the stored result instead of running
 * again, and one whose earlier attempt was cut off is told so (see ToolContext).
 */
export class ToolCallJournal {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'tool-calls');
  }

  async read(turnId: string, callId: string): Promise<ToolCallRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.pathOf(turnId, callId), 'utf8')) as ToolCallRecord;
    } catch {
      return undefined;
    }
  }

  async write(turnId: string, callId: string, record: ToolCallRecord): Promise<void> {
    await atomicWrite(this.pathOf(turnId, callId), JSON.stringify(record));
  }

  private pathOf(turnId: string, callId: string): string {
    const turn = createHash('sha256').update(turnId).digest('hex').slice(0, 32);
    const call = createHash('sha256').update(callId).digest('hex').slice(0, 32);
    return join(this.dir, turn, `${call}.json`);
  }
}
