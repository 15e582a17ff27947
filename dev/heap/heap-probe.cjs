// Preload for a worker process (`--require <abs path>/dev/heap/heap-probe.cjs` with `--expose-gc` in
// NODE_OPTIONS, HEAP_PROBE_DIR set): each time `<dir>/label` gets a new text, every thread of the
// process (main, workflow threads, loaders) runs a full GC, appends its memory figures to
// `<dir>/stats.jsonl` and, with HEAP_PROBE_SNAPSHOT=1, writes `<label>-t<thread>-<pid>.heapsnapshot`.
// A file, not a signal: Temporal's runtime stops the worker on SIGUSR2.
// CommonJS on purpose: `--require` preloads also run in worker threads; an `--import` one did not (Node 20).
/* global require, BroadcastChannel, setInterval */
/* eslint-disable @typescript-eslint/no-require-imports */
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { isMainThread, threadId } = require('node:worker_threads');

const dir = process.env.HEAP_PROBE_DIR;
if (dir) {
  const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
  const record = (label) => {
    if (typeof globalThis.gc === 'function') globalThis.gc();
    const memory = process.memoryUsage();
    const heap = v8.getHeapStatistics();
    const line = {
      label,
      pid: process.pid,
      threadId,
      at: new Date().toISOString(),
      rssMiB: mib(memory.rss),
      heapUsedMiB: mib(memory.heapUsed),
      heapTotalMiB: mib(memory.heapTotal),
      externalMiB: mib(memory.external),
      nativeContexts: heap.number_of_native_contexts,
      detachedContexts: heap.number_of_detached_contexts,
      gcExposed: typeof globalThis.gc === 'function',
    };
    fs.appendFileSync(path.join(dir, 'stats.jsonl'), `${JSON.stringify(line)}\n`);
    if (process.env.HEAP_PROBE_SNAPSHOT === '1') {
      v8.writeHeapSnapshot(path.join(dir, `${label}-t${threadId}-${process.pid}.heapsnapshot`));
    }
  };
  const channel = new BroadcastChannel('exoclaw-heap-probe');
  channel.unref();
  if (isMainThread) {
    let last = '';
    setInterval(() => {
      const file = path.join(dir, 'label');
      const label = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
      if (!label || label === last) return;
      last = label;
      channel.postMessage(label);
      record(label);
    }, 500).unref();
  } else {
    channel.onmessage = (event) => record(String(event.data));
  }
}
