// The Python reference's example inputs (see fixtures/README.md), read as the JSON its clients send.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const fixtures = join(import.meta.dirname, 'fixtures');

export function referenceFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;
}

export interface ReferenceSessionExample {
  workflow_id: string;
  input: Record<string, unknown>;
  /** The arguments of each `send_message` signal, in order. */
  send_message: unknown[][];
}
