import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../storage/atomic-write.js';

interface Record {
  parts: number;
  /** Parts sent so far, in order: the platform's ids where it gave one. */
  sent: (string | null)[];
}

/**
 * What a delivery has sent, per idempotency key, on the state root: a retried delivery (another
 * worker, after the first died) skips the parts already sent. A part the platform took but whose
 * record the dying worker never wrote is sent again with the same key: platforms that de-duplicate
 * on it (the webhook channel) drop it; others (Telegram, Slack) may show it twice — that window is
 * one HTTP round trip.
 */
export class DeliveryRecords {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'channels', 'deliveries');
  }

  async read(key: string): Promise<Record | undefined> {
    try {
      return JSON.parse(await readFile(this.file(key), 'utf8')) as Record;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(key: string, record: Record): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await atomicWrite(this.file(key), JSON.stringify(record));
  }

  private file(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  }
}
