import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { atomicWrite } from '../storage/atomic-write.js';

/** What the state root knows of one turn's streamed message. */
export interface StreamedMessage {
  chatId: string;
  /** The platform's id of the message the channels process sent and keeps editing. */
  messageId?: string;
  /** Set by the final delivery: streaming stops, and a late edit is put right with this text. */
  final?: { text: string };
}

/** How long the final delivery waits for a streamed message whose sendMessage is still under way. */
const SENDING_WAIT_MS = 5000;

/**
 * The hand-over between the channels process, which streams a turn's text into one message, and
 * the worker whose delivery activity later turns that message into the final reply. Both share
 * the state root (`<state>/channel-streams/`), keyed like the delivery records (`<turn>/reply`).
 * Whoever comes first creates the record (an atomic exclusive create): a delivery that finds none
 * sends a new message and the stream never starts; one that finds the streamed message edits it.
 */
export class StreamedMessages {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'channel-streams');
  }

  async read(key: string): Promise<StreamedMessage | undefined> {
    try {
      return JSON.parse(await readFile(this.file(key), 'utf8')) as StreamedMessage;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Streaming side: true when this turn had no record yet (its final delivery has not begun). */
  async claimForStream(key: string, chatId: string): Promise<boolean> {
    return this.create(key, { chatId });
  }

  /**
   * Streaming side, after its sendMessage: records the message to edit. False when the final
   * delivery gave up waiting and already decided (that message is then left as it is).
   */
  async recordMessage(key: string, messageId: string): Promise<boolean> {
    const current = await this.read(key);
    if (!current || current.final) return false;
    await atomicWrite(this.file(key), JSON.stringify({ ...current, messageId }));
    return true;
  }

  /**
   * Delivery side: marks the turn final (the stream stops) and returns the streamed message to
   * edit, if there is one. A stream whose first message is still being sent is waited for a few
   * seconds; a retried delivery finds its own mark and the same message.
   */
  async claimForFinal(key: string, chatId: string, text: string, signal?: AbortSignal): Promise<string | undefined> {
    const final = { text };
    if (await this.create(key, { chatId, final })) return undefined;
    let current = await this.read(key);
    const until = Date.now() + SENDING_WAIT_MS;
    while (current && !current.messageId && !current.final && Date.now() < until && !signal?.aborted) {
      await sleep(100);
      current = await this.read(key);
    }
    await atomicWrite(this.file(key), JSON.stringify({ chatId, ...current, final }));
    return current?.messageId;
  }

  /** Exclusive create with whole content: a temp file linked into place fails if the name exists. */
  private async create(key: string, record: StreamedMessage): Promise<boolean> {
    await mkdir(this.dir, { recursive: true });
    const temp = join(this.dir, `.${randomBytes(8).toString('hex')}.tmp`);
    await writeFile(temp, JSON.stringify(record));
    try {
      await link(temp, this.file(key));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  private file(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  }
}
