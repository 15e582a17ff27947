// Workflow histories as JSON, in the standard form the Temporal CLI prints
// (`temporal workflow show --output json`) and replayers read.
//
// Why not `historyToJSON` / `historyFromJSON` from @temporalio/common: with this project's
// dependency tree npm installs two copies of protobufjs 8 (one under @temporalio/common, one
// under @temporalio/proto), and those helpers then throw "type must be a Type". Resolving
// protobufjs through @temporalio/proto keeps the types and the JSON codec from the same copy.
import { createRequire } from 'node:module';
import type { WorkflowHandle } from '@temporalio/client';

/** A workflow history as the client's `handle.fetchHistory()` returns it. */
export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, opts?: { ignoreUnknownFields?: boolean }): unknown;
}

interface HistoryCodec {
  type: unknown;
  protojson: ProtoJson;
  fromObject(value: unknown): unknown;
}

let codec: HistoryCodec | undefined;

function historyCodec(): HistoryCodec {
  if (codec) return codec;
  const here = createRequire(import.meta.url);
  const fromProto = createRequire(here.resolve('@temporalio/proto'));
  const proto = here('@temporalio/proto') as {
    temporal: { api: { history: { v1: { History: { fromObject(value: unknown): unknown } } } } };
  };
  const { patchProtobufRoot } = here('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot<T>(root: T): T & { lookupType(name: string): unknown };
  };
  codec = {
    type: patchProtobufRoot(proto).lookupType('temporal.api.history.v1.History'),
    protojson: fromProto('protobufjs/ext/protojson') as ProtoJson,
    fromObject: (value) => proto.temporal.api.history.v1.History.fromObject(value),
  };
  return codec;
}

/** A history (as `fetchHistory()` returns it) as standard JSON text. */
export function historyToJson(history: History, indent?: number): string {
  const { type, protojson, fromObject } = historyCodec();
  return JSON.stringify(protojson.toJson(type, fromObject(history)), null, indent);
}

/** Parses standard history JSON (e.g. a committed replay fixture) back into a History. */
export function historyFromJson(json: string | object): History {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { events?: unknown }).events)) {
    throw new TypeError('Not a workflow history: expected an object with an "events" array.');
  }
  const { type, protojson } = historyCodec();
  return protojson.fromJson(type, value, { ignoreUnknownFields: true }) as History;
}
