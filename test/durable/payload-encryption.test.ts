// Payload encryption through a real worker, the scripted LLM and the shared dev server: with
// keys set, a turn's message text appears nowhere in its history (client and CLI exports), nor
// in the blobs and offloaded payloads on the workspace; a wrong key fails with a message naming
// the missing key id; a rotated ring (B active, A listed) carries on what A encrypted.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_ID_METADATA } from '../../src/encryption/payload-encryption-codec.js';
import { connectClient } from '../../src/temporal/client.js';
import { exoclawDataConverter } from '../../src/temporal/data-converter.js';
import type { TurnWorkflowResult } from '../../src/contract/index.js';
import { ringOf, testKey } from '../encryption/keys.js';
import { getTestEnv } from '../helpers/temporal.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { historyJson, historyJsonViaCli, searchableHistoryText, type History } from './history.js';

const keyA = testKey('key-a');
const keyB = testKey('key-b');
const REFERENCE_TYPE = 'temporal.api.sdk.v1.ExternalStorageReference';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack({ encryption: ringOf([keyA]) });
});
afterAll(async () => {
  await stack?.close();
});

interface RawPayload {
  metadata: Record<string, Uint8Array>;
  data: Uint8Array;
}

/** Every Temporal Payload in a raw (undecoded) history, found by shape. */
function payloadsIn(value: unknown, found: RawPayload[] = []): RawPayload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as Partial<RawPayload>;
  if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') {
    found.push(candidate as RawPayload);
    return found;
  }
  for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

/** The history without the SDK's bookkeeping (markers but a local activity's result; the patch search attribute). */
function withoutSdkMarkerMetadata(history: History): History {
  return {
    ...history,
    events: (history.events ?? []).map((event) => {
      const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
      const fields = upsert?.searchAttributes?.indexedFields;
      if (upsert && fields && Object.keys(fields).every((key) => key === 'TemporalChangeVersion')) {
        return { ...event, upsertWorkflowSearchAttributesEventAttributes: {} };
      }
      const marker = event.markerRecordedEventAttributes;
      if (!marker) return event;
      const result = marker.markerName === 'core_local_activity' ? marker.details?.['result'] : undefined;
      return { ...event, markerRecordedEventAttributes: { ...marker, details: result ? { result } : {} } };
    }),
  };
}

const meta = (payload: RawPayload, key: string) => Buffer.from(payload.metadata[key] ?? []).toString();

/** Every file under a folder, recursively, with its bytes. */
async function filesUnder(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  return Promise.all(files.map(async (path) => ({ path, bytes: await readFile(path) })));
}

/** Asserts the history holds `marker` in no form, and that its payloads are encrypted or claims. */
async function expectSealed(workflowId: string, marker: string): Promise<History> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const env = await getTestEnv();
  const exports = [
    ['client history export', searchableHistoryText(historyJson(history))],
    ['temporal workflow show --output json', searchableHistoryText(await historyJsonViaCli(workflowId, env))],
  ] as const;
  for (const [where, text] of exports) {
    expect(text, where).toContain('executeTool'); // sanity: this turn's history, with its activities
    expect(text.includes(marker), `message text found in the ${where}`).toBe(false);
    expect(text.includes(marker.slice(0, 20)), `part of the message text found in the ${where}`).toBe(false);
  }
  const payloads = payloadsIn(history);
  expect(payloads.length).toBeGreaterThan(5);
  for (const payload of payloadsIn(history)) expect(Buffer.from(payload.data).includes(Buffer.from(marker))).toBe(false);
  // The SDK writes its own bookkeeping as plain JSON (a local activity's type, ids and times in its
  // marker; a patch id in the TemporalChangeVersion search attribute): never user data, checked
  // just above. The local activity's result is ours and is sealed.
  for (const payload of payloadsIn(withoutSdkMarkerMetadata(history))) {
    const kind = meta(payload, 'encoding') === 'binary/encrypted' ? 'encrypted' : meta(payload, 'messageType') === REFERENCE_TYPE ? 'claim' : 'plain';
    expect(kind, `a ${meta(payload, 'encoding')} payload in history`).not.toBe('plain');
    expect(Buffer.from(payload.data).includes(Buffer.from(marker))).toBe(false);
  }
  return history;
}

describe('payload encryption (real worker, real server)', () => {
  const marker = `quokka-${randomUUID()}`;
  let smallTurn = '';

  it('a turn with a tool call and a turn over 256 KiB leave the message text nowhere in history, blobs or payloads', async () => {
    const padding = 'lorem ipsum dolor sit amet '.repeat(12_000);
    await stack.withAgentWorker(async () => {
      const small = await stack.exoclaw.runTurn({ sessionId: 'enc', message: `run the command 'echo ${marker}'` });
      expect(small.toolsUsed).toEqual(['exec']);
      expect(small.finalContent).toContain(`The command output was: ${marker}`); // the client decrypted the result
      smallTurn = small.workflowId;

      const big = await stack.exoclaw.runTurn({ sessionId: 'enc-big', message: `please echo this: ${marker} ${padding}end` });
      expect(big.finalContent).toContain(marker);
      expect(big.finalContent.length).toBeGreaterThan(256 * 1024);

      const history = await expectSealed(small.workflowId, marker);
      expect(payloadsIn(history).some((payload) => meta(payload, KEY_ID_METADATA) === 'key-a')).toBe(true);
      const bigHistory = await stack.client.workflow.getHandle(big.workflowId).fetchHistory();
      expect(payloadsIn(bigHistory).filter((payload) => meta(payload, 'messageType') === REFERENCE_TYPE).length).toBeGreaterThanOrEqual(2);
      const bigText = searchableHistoryText(historyJson(bigHistory));
      expect(bigText.includes(marker)).toBe(false);
      expect(bigText.includes('lorem ipsum')).toBe(false);
    });

    const state = stack.stateDir;
    const blobs = await filesUnder(join(state, 'blobs'));
    const payloads = await filesUnder(join(state, 'payloads'));
    // Prompt, assistant messages and tool result of both turns; the big turn's input and result.
    expect(blobs.length).toBeGreaterThanOrEqual(5);
    expect(payloads.length).toBeGreaterThanOrEqual(2);
    for (const { path, bytes } of [...blobs, ...payloads]) {
      expect(bytes.includes(Buffer.from(marker)), `message text in ${path}`).toBe(false);
      expect(bytes.includes(Buffer.from('lorem ipsum')), `message text in ${path}`).toBe(false);
    }
    // Sanity: the same text is on the volume in the clear where encryption does not reach (the session log).
    expect(await readFile(await stack.sessionFile('enc'), 'utf8')).toContain(marker);
  });

  it('a client with the wrong key, or none, cannot read the result and says which key it lacks', async () => {
    expect(smallTurn).not.toBe('');
    const env = await getTestEnv();
    const clientWith = (encryption?: ReturnType<typeof ringOf>) =>
      new Client({ connection: env.connection, namespace: env.namespace, dataConverter: exoclawDataConverter({ encryption }) });

    await expect(clientWith(ringOf([keyB])).workflow.getHandle(smallTurn).result()).rejects.toThrow(
      'Cannot decrypt a payload: it was encrypted with key "key-a", which this process does not have (it has "key-b"). ' +
        'Add key "key-a" to EXOCLAW_ENCRYPTION_KEYS',
    );
    await expect(clientWith(undefined).workflow.getHandle(smallTurn).result()).rejects.toThrow(
      'it is encrypted with key "key-a", but encryption is not configured in this process. Set EXOCLAW_ENCRYPTION_KEYS',
    );
    const right = (await clientWith(ringOf([keyA])).workflow.getHandle(smallTurn).result()) as TurnWorkflowResult;
    expect(right.finalContent).toContain(marker);
  });

  it('a worker with the wrong key fails the workflow task with a message naming the missing key id', async () => {
    const handle = await stack.exoclaw.startTurn({ sessionId: 'wrong-key', message: `hello ${marker}` });
    try {
      const message = await stack.withAgentWorker(
        () =>
          waitUntil('the workflow task to fail', async () => {
            const history = await handle.fetchHistory();
            const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes);
            return failed?.workflowTaskFailedEventAttributes?.failure?.message ?? undefined;
          }, { timeoutMs: 30_000 }),
        { dataConverter: exoclawDataConverter({ stateDir: stack.stateDir, encryption: ringOf([keyB]) }) },
      );
      expect(message).toBe(
        'Cannot decrypt a payload: it was encrypted with key "key-a", which this process does not have (it has "key-b"). ' +
          'Add key "key-a" to EXOCLAW_ENCRYPTION_KEYS or the keys file on every worker and client; ' +
          'a retired key stays listed until nothing it encrypted is needed any more.',
      );
      // Nothing ran: the turn never got past decoding its input.
      const history = await handle.fetchHistory();
      expect(history.events?.some((event) => event.activityTaskScheduledEventAttributes)).toBe(false);
    } finally {
      await handle.terminate('test: wrong key').catch(() => undefined);
    }
  });

  it('rotation: a worker and client with B active and A listed run a turn that a client on A started', async () => {
    const rotated = ringOf([keyA, keyB], 'key-b');
    // Started under A while no worker polls, so the workflow input is encrypted with A.
    const handle = await stack.exoclaw.startTurn({ sessionId: 'rotation', message: `run the command 'echo rotated-${marker}'` });
    const env = await getTestEnv();
    const rotatedClient = await connectClient({ address: env.address, namespace: env.namespace }, { stateDir: stack.stateDir, encryption: rotated });
    try {
      const result = await stack.withAgentWorker(
        async () => (await rotatedClient.workflow.getHandle(handle.workflowId).result()) as TurnWorkflowResult,
        { dataConverter: exoclawDataConverter({ stateDir: stack.stateDir, encryption: rotated }) },
      );
      expect(result.finalContent).toContain(`rotated-${marker}`);
      const history = await expectSealed(handle.workflowId, `rotated-${marker}`);
      const keyIds = new Set(payloadsIn(history).map((payload) => meta(payload, KEY_ID_METADATA)).filter(Boolean));
      expect(keyIds).toEqual(new Set(['key-a', 'key-b']));
      // What A wrote earlier still reads through the rotated client.
      const earlier = (await rotatedClient.workflow.getHandle(smallTurn).result()) as TurnWorkflowResult;
      expect(earlier.finalContent).toContain(marker);
    } finally {
      await rotatedClient.connection.close();
    }
  });
});
