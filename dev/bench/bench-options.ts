import { z } from 'zod';
import { parseFlags } from '../../src/cli/parse-flags.js';

export const BENCH_PHASES = ['overhead', 'floor', 'throughput', 'history', 'gateway', 'soak', 'sessions', 'concurrency'] as const;
export type BenchPhase = (typeof BENCH_PHASES)[number];

/** What one benchmark run measures and how much. */
export interface BenchOptions {
  json: boolean;
  quick: boolean;
  /** Timed runs per comparison (after one warm-up run). */
  runs: number;
  /** Tool steps per turn in the durable vs in-process comparison. */
  steps: number;
  /** No-op activities per workflow for the round-trip floor. */
  activities: number;
  /** Concurrency levels for the throughput phase … */
  concurrency: number[];
  /** … and the number of turns run at each level (same length as `concurrency`). */
  turns: number[];
  /** Tool steps per turn when measuring history size. */
  historySteps: number;
  /** Transcript sizes (bytes) seeded before the history-size turns. */
  transcriptBytes: number[];
  /** One-call turns of the memory soak (the last phase). */
  soakTurns: number;
  /** Idle AgentSessionWorkflows held by one worker process (the sessions phase). */
  idleSessions: number;
  /** Messages in flight while the sessions phase starts and re-answers them. */
  sessionConcurrency: number;
  /** maxCachedWorkflows of the sessions phase's worker (EXOCLAW_MAX_CACHED_WORKFLOWS); undefined: the config default. */
  workerCache: number | undefined;
  /** NODE_OPTIONS of that worker (e.g. --max-old-space-size=768); undefined: the bench's own environment. */
  workerNodeOptions: string | undefined;
  /** Concurrency levels of the two-worker latency phase … */
  latencyConcurrency: number[];
  /** … and its turns per level (same length). */
  latencyTurns: number[];
  /** Which phases run (default: all, in this order). */
  phases: BenchPhase[];
  /** A pre-built workflow bundle; otherwise workflows/index.ts is bundled once at start-up. */
  bundlePath: string | undefined;
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]

Measures the durable runtime on a local Temporal dev server (or $TEMPORAL_ADDRESS) with a
zero-latency scripted model: per-step overhead vs in-process, the empty-activity floor,
turns/s at several concurrency levels, history bytes per step, and the gateway: time to first
token through it vs the model called directly, and one event's delivery to 200 SSE clients;
then, with real worker processes: the RSS of one worker holding many idle sessions, their
answers after that worker is replaced, and turn latency with two workers at high concurrency.

Options:
  --json                 one JSON object per metric and line on stdout (progress goes to stderr)
  --quick                fewer and shorter runs (a few minutes; --only to pick phases)
  --runs <n>             timed runs per comparison, after one warm-up (default 5; quick 2)
  --steps <n>            tool steps per turn for the overhead comparison (default 10; quick 5)
  --activities <n>       no-op activities per floor workflow (default 50; quick 20)
  --concurrency <list>   concurrency levels, e.g. 1,10,50 (default 1,10,50)
  --turns <list>         turns per level, same length as --concurrency (default 20,50,100; quick 5,20,50)
  --history-steps <n>    tool steps per turn for history size (default 10; quick 3)
  --soak-turns <n>       one-call turns of the memory soak, 10 at a time (default 1000; quick 100)
  --idle-sessions <n>    sessions one worker process holds idle, then answers again after a restart
                         (default 1000; quick 100)
  --session-concurrency <n>  messages in flight while the sessions are started and re-answered (default 20)
  --worker-cache <n>     maxCachedWorkflows of that worker (default: the config's default)
  --worker-node-options <text>  NODE_OPTIONS of that worker, e.g. --max-old-space-size=768
  --latency-concurrency <list>  concurrency levels with two worker processes (default 50,100)
  --latency-turns <list> turns per level, same length (default 150,300; quick 50,100)
  --only <list>          run only these phases: overhead,floor,throughput,history,gateway,soak,
                         sessions,concurrency (default all)
  --bundle <path>        pre-built workflow bundle (also $EXOCLAW_WORKFLOW_BUNDLE); must include
                         benchEmptyActivitiesWorkflow
  -h, --help             this text`;

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

const positive = z.number().int().min(1).max(100_000);
const count = z.coerce.number().pipe(positive);
const countList = z
  .string()
  .transform((text) => text.split(',').map((part) => Number(part.trim() || NaN)))
  .pipe(z.array(positive).min(1));

const FlagsSchema = z.object({
  json: z.boolean().default(false),
  quick: z.boolean().default(false),
  runs: count.optional(),
  steps: count.optional(),
  activities: count.optional(),
  concurrency: countList.optional(),
  turns: countList.optional(),
  'history-steps': count.optional(),
  'soak-turns': count.optional(),
  'idle-sessions': count.optional(),
  'session-concurrency': count.optional(),
  'worker-cache': z.coerce.number().pipe(z.number().int().min(0).max(100_000)).optional(),
  'worker-node-options': z.string().min(1).optional(),
  'latency-concurrency': countList.optional(),
  'latency-turns': countList.optional(),
  bundle: z.string().min(1).optional(),
  only: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(BENCH_PHASES)).min(1))
    .optional(),
});

/** Parses argv (without node and script); returns undefined when help was asked for. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | undefined {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseFlags({
      args: argv,
      options: {
        json: { type: 'boolean' },
        quick: { type: 'boolean' },
        runs: { type: 'string' },
        steps: { type: 'string' },
        activities: { type: 'string' },
        concurrency: { type: 'string' },
        turns: { type: 'string' },
        'history-steps': { type: 'string' },
        'soak-turns': { type: 'string' },
        'idle-sessions': { type: 'string' },
        'session-concurrency': { type: 'string' },
        'worker-cache': { type: 'string' },
        'worker-node-options': { type: 'string' },
        'latency-concurrency': { type: 'string' },
        'latency-turns': { type: 'string' },
        bundle: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${BENCH_USAGE}`);
  }
  if (values.help) return undefined;
  const parsed = FlagsSchema.safeParse(values);
  if (!parsed.success) throw new BenchUsageError(`Invalid arguments:\n${z.prettifyError(parsed.error)}\n\n${BENCH_USAGE}`);
  const flags = parsed.data;
  const quick = flags.quick;
  const concurrency = flags.concurrency ?? [1, 10, 50];
  const turns = flags.turns ?? (quick ? [5, 20, 50] : [20, 50, 100]);
  if (turns.length !== concurrency.length) {
    throw new BenchUsageError(
      `--turns has ${turns.length} entries but --concurrency has ${concurrency.length}; give one turn count per concurrency level.`,
    );
  }
  const latencyConcurrency = flags['latency-concurrency'] ?? [50, 100];
  const latencyTurns = flags['latency-turns'] ?? (flags['latency-concurrency'] ? latencyConcurrency.map((c) => 3 * c) : quick ? [50, 100] : [150, 300]);
  if (latencyTurns.length !== latencyConcurrency.length) {
    throw new BenchUsageError(
      `--latency-turns has ${latencyTurns.length} entries but --latency-concurrency has ${latencyConcurrency.length}; give one turn count per level.`,
    );
  }
  return {
    json: flags.json,
    quick,
    runs: flags.runs ?? (quick ? 2 : 5),
    steps: flags.steps ?? (quick ? 5 : 10),
    activities: flags.activities ?? (quick ? 20 : 50),
    concurrency,
    turns,
    historySteps: flags['history-steps'] ?? (quick ? 3 : 10),
    transcriptBytes: [10 * 1024, 1024 * 1024],
    soakTurns: flags['soak-turns'] ?? (quick ? 100 : 1000),
    idleSessions: flags['idle-sessions'] ?? (quick ? 100 : 1000),
    sessionConcurrency: flags['session-concurrency'] ?? 20,
    workerCache: flags['worker-cache'],
    workerNodeOptions: flags['worker-node-options'],
    latencyConcurrency,
    latencyTurns,
    phases: BENCH_PHASES.filter((phase) => !flags.only || flags.only.includes(phase)),
    bundlePath: flags.bundle ?? (env.EXOCLAW_WORKFLOW_BUNDLE || undefined),
  };
}
