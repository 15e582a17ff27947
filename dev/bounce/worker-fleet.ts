// Real worker processes (`exoclaw-temporal worker`) that can be started, killed and replaced:
// the bounce demo and the fault suite kill them with real signals, not mocks.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

export interface WorkerFleetOptions {
  temporalAddress: string;
  namespace?: string;
  taskQueue: string;
  /** The shared workspace volume every worker mounts. */
  workspace: string;
  /** The shared state root every worker mounts (default: beside the workspace). */
  stateDir?: string;
  /** Model for the workers (`--model`); omit to let their config/env decide. */
  model?: string;
  /** Extra environment for the workers (on top of this process's environment). */
  env?: Record<string, string | undefined>;
  /** `--shutdown-grace` for every worker (the worker's default is 10s). */
  shutdownGrace?: string;
  /** More `worker` flags, e.g. `--config FILE`. */
  args?: string[];
  /**
   * What node runs instead of `exoclaw-temporal worker` (e.g. `['--import', 'tsx', 'examples/custom-tool.ts']`):
   * a program that takes the same flags and prints the same "Worker ready" line.
   */
  entry?: string[];
  /** How long to wait for "Worker ready" (default 90 s). */
  readyTimeoutMs?: number;
  /** Called with every output line of every worker, prefixed by its identity. */
  onOutput?: (identity: string, line: string) => void;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerProcess {
  identity: string;
  pid: number;
  child: ChildProcess;
  /** Settles when the process has exited. */
  exited: Promise<WorkerExit>;
  /** Whether it is still running. */
  alive(): boolean;
  /** The last lines it printed (stdout and stderr), for diagnostics. */
  output(): string;
}

export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

const TAIL_CHARS = 20_000;

/** A set of worker processes polling one task queue over one shared workspace. */
export class WorkerFleet {
  private readonly workers = new Map<string, WorkerProcess>();

  constructor(private readonly opts: WorkerFleetOptions) {}

  /** Spawns `exoclaw-temporal worker --identity <identity>` and resolves once it polls. */
  async start(identity: string): Promise<WorkerProcess> {
    if (this.workers.get(identity)?.alive()) throw new WorkerStartError(`worker ${identity} is already running`);
    const root = packageRoot();
    const args = [
      ...(this.opts.entry ?? [join(root, 'bin', 'exoclaw-temporal.js'), 'worker']),
      '--identity',
      identity,
      '--temporal-url',
      this.opts.temporalAddress,
      '--namespace',
      this.opts.namespace ?? 'default',
      '--task-queue',
      this.opts.taskQueue,
      '--workspace',
      this.opts.workspace,
    ];
    if (this.opts.stateDir) args.push('--state-dir', this.opts.stateDir);
    if (this.opts.args) args.push(...this.opts.args);
    if (this.opts.model) args.push('--model', this.opts.model);
    if (this.opts.shutdownGrace) args.push('--shutdown-grace', this.opts.shutdownGrace);
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, ...this.opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    let ready = false;
    let onReady: () => void = () => undefined;
    const readyLine = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    const consume = (stream: NodeJS.ReadableStream | null): void => {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-TAIL_CHARS);
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!ready && line.startsWith('Worker ready')) {
            ready = true;
            onReady();
          }
          this.opts.onOutput?.(identity, line);
        }
      });
    };
    consume(child.stdout);
    consume(child.stderr);
    const exited = new Promise<WorkerExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    // Never leave a worker behind if this process exits without stopping the fleet.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    void exited.then(() => process.removeListener('exit', killOnExit));

    const worker: WorkerProcess = {
      identity,
      pid: child.pid ?? -1,
      child,
      exited,
      alive: () => child.exitCode === null && child.signalCode === null,
      output: () => tail,
    };
    this.workers.set(identity, worker);

    const timeoutMs = this.opts.readyTimeoutMs ?? 90_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      readyLine.then(() => 'ready' as const),
      exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'ready') {
      child.kill('SIGKILL');
      await exited;
      const why = outcome === 'timeout' ? `was not ready within ${timeoutMs} ms` : 'exited before it was ready';
      throw new WorkerStartError(`worker ${identity} ${why}. Its output:\n${tail}`);
    }
    return worker;
  }

  get(identity: string): WorkerProcess | undefined {
    return this.workers.get(identity);
  }

  /** Identities of the workers still running. */
  running(): string[] {
    return [...this.workers.values()].filter((w) => w.alive()).map((w) => w.identity);
  }

  /**
   * SIGKILL: the worker and every process it started die at once, as when a pod or machine
   * dies (its `exec` children would otherwise live on as orphans). SIGTERM goes to the
   * worker only, as Kubernetes sends it: the worker's own shutdown must stop its children.
   */
  async kill(identity: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<WorkerExit> {
    const worker = this.workers.get(identity);
    if (!worker) throw new Error(`no worker named ${identity}`);
    if (!worker.alive()) return worker.exited;
    if (signal === 'SIGKILL') {
      const family = [worker.pid, ...descendantPids(worker.pid)];
      for (const pid of family) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    } else {
      worker.child.kill(signal);
    }
    return worker.exited;
  }

  /** Graceful stop of every running worker (SIGTERM, then SIGKILL after `graceMs`). */
  async stopAll(graceMs = 15_000): Promise<void> {
    await Promise.all(
      [...this.workers.values()]
        .filter((w) => w.alive())
        .map(async (w) => {
          w.child.kill('SIGTERM');
          let timer: NodeJS.Timeout | undefined;
          const timedOut = await Promise.race([
            w.exited.then(() => false),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(true), graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (timedOut) await this.kill(w.identity, 'SIGKILL');
        }),
    );
  }
}

/** Every process below `pid` (Linux /proc; elsewhere an empty list). */
export function descendantPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
