import { isMessageRef, type Message, type MessageHandle, type MessageRef } from '../core/index.js';
import type { BlobStore } from './blob-store.js';

/** Stores messages as one blob and returns the reference that stands for them. */
export async function storeMessages(blobs: BlobStore, messages: Message[]): Promise<MessageRef> {
  return { ref: await blobs.putJson(messages), count: messages.length };
}

/** Turns handles back into messages, reading referenced blobs. */
export async function resolveMessages(blobs: BlobStore, handles: MessageHandle[]): Promise<Message[]> {
  const out: Message[] = [];
  for (const handle of handles) {
    if (!isMessageRef(handle)) {
      out.push(handle);
      continue;
    }
    const stored = await blobs.getJson<Message[]>(handle.ref);
    if (!Array.isArray(stored) || stored.length !== handle.count) {
      throw new Error(`Blob ${handle.ref} does not hold the ${handle.count} messages it should`);
    }
    out.push(...stored);
  }
  return out;
}
