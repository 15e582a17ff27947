// The encoded size of a workflow history: the protobuf bytes Temporal stores, and the measure
// its limits (50 MB per history by default) apply to. Payload-level numbers come from
// src/temporal/history-metrics.ts.
import proto from '@temporalio/proto';

// CommonJS package: named imports fail under plain Node ESM; the default export works everywhere.
const { temporal } = proto;

export function encodedHistoryBytes(history: proto.temporal.api.history.v1.IHistory): number {
  return temporal.api.history.v1.History.encode(history).finish().byteLength;
}
