// Workflow histories as JSON, in the standard form the Temporal CLI prints
// (`temporal workflow show --output json`) and replayers read. Thin wrappers over the SDK's
// codec, which needs one protobufjs copy shared by @temporalio/common and @temporalio/proto
// (package.json pins it).
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';

/** A workflow history as the client's `handle.fetchHistory()` returns it. */
export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** A history (as `fetchHistory()` returns it) as standard JSON text, compact unless `indent` is given. */
export function historyToJson(history: History, indent?: number): string {
  // The SDK always indents by 2; size measurements want the compact form.
  return JSON.stringify(JSON.parse(historyToJSON(history)) as unknown, null, indent);
}

/** Parses standard history JSON (e.g. a committed replay fixture) back into a History. */
export function historyFromJson(json: string | object): History {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { events?: unknown }).events)) {
    throw new TypeError('Not a workflow history: expected an object with an "events" array.');
  }
  return historyFromJSON(value) as History;
}
