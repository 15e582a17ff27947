import { isAbsolute, normalize } from 'node:path';
import { z } from 'zod';
import { FETCH_BLOCKED_PORTS } from '../providers/fetch-blocked-ports.js';
import { isIanaTimeZone } from '../time-zone.js';
import { ToolPolicy } from '../contract/tool-policy.js';

/**
 * The configuration file's shape (after snake_case keys have been normalised to camelCase).
 * Objects are not strict: a nanobot/exoclaw config carries sections this project does not
 * use (channels, gateway, …); unknown keys are reported as warnings, never as errors.
 */

const positiveInt = () => z.number().int().positive();

/** What a spent budget does: stop the turn, switch to `fallbackModel`, or only log (warn: as a warning). */
const BudgetEnforcementSchema = z.enum(['observe', 'warn', 'cutoff', 'fallback']);
/** Fractions of a budget (e.g. 0.8) at which a warning is logged. */
const WarningThresholdsSchema = z.array(z.number().gt(0).lt(1));

/** Tokens (input + output, as providers report them) and model calls one turn may use. */
export const TurnBudgetSchema = z.object({
  enabled: z.boolean().default(false),
  tokenBudget: positiveInt().default(1_500_000),
  iterationBudget: positiveInt().default(50),
  warningThresholds: WarningThresholdsSchema.default([0.5, 0.8, 0.9]),
  enforcement: BudgetEnforcementSchema.default('cutoff'),
  fallbackModel: z.string().min(1).optional(),
});

/** Tokens one session (one conversation id) may use over its lifetime. */
export const SessionBudgetSchema = z.object({
  enabled: z.boolean().default(false),
  tokenBudget: positiveInt().default(5_000_000),
  warningThresholds: WarningThresholdsSchema.default([]),
  enforcement: BudgetEnforcementSchema.default('cutoff'),
  fallbackModel: z.string().min(1).optional(),
});

/** Tokens every worker together may use per day (UTC, from `resetHourUtc`); the counter lives in the state root. */
export const DailyBudgetSchema = z.object({
  enabled: z.boolean().default(false),
  dailyBudget: positiveInt().default(35_000_000),
  /** Only these models' tokens count (`provider/model` as configured); empty: every model but `fallbackModel`. */
  primaryModels: z.array(z.string().min(1)).default([]),
  warningThresholds: WarningThresholdsSchema.default([]),
  enforcement: BudgetEnforcementSchema.default('fallback'),
  fallbackModel: z.string().min(1).optional(),
  resetHourUtc: z.number().int().min(0).max(23).default(0),
});

export const AgentDefaultsSchema = z.object({
  /**
   * `~` is expanded and relative paths are resolved against the working directory by the loader.
   * Default `~/.exoclaw/workspace`, or nanobot's `~/.nanobot/workspace` for `~/.nanobot/config.json`.
   */
  workspace: z.string().min(1).optional(),
  /**
   * The runtime's own state (session logs, blobs, journal, leases, tool outputs): apart from the
   * workspace, so nothing the agent runs can read or write it. Default: `<workspace>.state`.
   */
  stateDir: z.string().min(1).optional(),
  /** `provider/model`; when absent the loader picks one from the API keys present. */
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).default(0.1),
  maxTokens: positiveInt().default(8192),
  maxToolIterations: positiveInt().default(40),
  memoryWindow: positiveInt().default(100),
  /** Estimated tokens one prompt may use (system + history + message); history is compacted to fit. */
  contextWindowTokens: positiveInt().min(1_000).default(100_000),
  reasoningEffort: z.string().min(1).optional(),
  timezone: z
    .string()
    .refine(isIanaTimeZone, { message: 'unknown IANA time zone (use a name like "Europe/Berlin" or "UTC")' })
    .optional(),
  /** Token budgets (docs/extending.md#token-budgets); the names and fields are exoclaw's nanobot package's. */
  turnBudget: TurnBudgetSchema.prefault({}),
  sessionBudget: SessionBudgetSchema.prefault({}),
  dailyBudget: DailyBudgetSchema.prefault({}),
});

/**
 * What is wrong with a provider base URL, if anything: it must be an http(s) URL (or empty, for
 * unset) on a port fetch will connect to. A mistake here would otherwise surface only as failed
 * model calls.
 */
function baseUrlProblem(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'use an http(s) URL such as http://localhost:11434/v1';
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return 'use an http(s) URL such as http://localhost:11434/v1';
  }
  if (url.port && FETCH_BLOCKED_PORTS.has(Number(url.port))) {
    return `port ${url.port} is one fetch refuses to connect to (a blocked port); use another port`;
  }
  return undefined;
}

export const ProviderConfigSchema = z.object({
  apiKey: z.string().optional(),
  apiBase: z
    .string()
    .superRefine((text, ctx) => {
      const problem = baseUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  extraHeaders: z.record(z.string(), z.string()).optional(),
});

export const McpServerSchema = z
  .object({
    /** nanobot's transport hint; "sse" entries are dropped by the loader with a warning. */
    type: z.enum(['stdio', 'streamableHttp']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    url: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    /** seconds */
    toolTimeout: z.number().positive().default(30),
  })
  .refine((server) => Boolean(server.command) !== Boolean(server.url), {
    message: 'give either "command" (stdio server) or "url" (HTTP server), not both and not neither',
  })
  .refine((server) => server.type === undefined || (server.type === 'stdio') === Boolean(server.command), {
    message: '"type" does not match the entry: "stdio" needs "command", "streamableHttp" needs "url"',
  });

export const ToolsConfigSchema = z.object({
  exec: z
    .object({
      /** seconds */
      timeout: z.number().positive().default(60),
      sandbox: z
        .object({
          enabled: z.boolean().default(false),
          url: z.string().min(1).optional(),
        })
        .prefault({}),
      /** Regular expressions; a matching command is refused (a speed bump, not a boundary). */
      denyPatterns: z.array(z.string()).optional(),
      /**
       * How commands are kept away from the worker: "auto" (bwrap if it works here, else another
       * uid if the worker is root, else exec is refused), "bwrap", "user", or "none" — the explicit
       * opt-in to unisolated commands. Ignored when a sandbox is configured.
       */
      isolation: z.enum(['auto', 'bwrap', 'user', 'none']).default('auto'),
      /** Commands may use the network; false gives bwrap sandboxes only a private loopback. */
      network: z.boolean().default(true),
      /** Host paths visible read-only inside the bwrap sandbox (e.g. a toolchain under /opt). */
      readOnlyPaths: z
        .array(
          z.string().refine((path) => isAbsolute(path) && normalize(path) !== '/', {
            message: 'use an absolute path other than "/"',
          }),
        )
        .default([]),
      /** The unprivileged user commands run as in the "user" mode (default 65534, nobody). */
      user: z
        .object({ uid: positiveInt().default(65534), gid: positiveInt().default(65534) })
        .prefault({}),
      /** Extra environment variables for commands (the only ones besides PATH, HOME, LANG, TERM, TZ, PWD). */
      env: z
        .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'use a shell variable name'), z.string())
        .default({}),
    })
    .prefault({}),
  /**
   * Tools here are always confined to the workspace; `false` (nanobot's default) is refused when a
   * worker or runtime builds its tools, never silently ignored (see restrict-to-workspace.ts).
   */
  restrictToWorkspace: z.boolean().default(true),
  /** What the model may schedule with the cron tool (a session's jobs fire messages into it). */
  cron: z
    .object({
      maxJobsPerSession: positiveInt().max(1000).default(10),
      /** The shortest interval between two firings of one job. */
      minIntervalSeconds: positiveInt().default(60),
    })
    .prefault({}),
  web: z
    .object({
      search: z
        .object({
          apiKey: z.string().optional(),
          maxResults: positiveInt().max(20).default(5),
        })
        .prefault({}),
      fetch: z
        .object({
          /** Hosts (names or IPs) web_fetch may reach even though they are private/loopback. */
          allowPrivateHosts: z.array(z.string()).default([]),
          maxBytes: positiveInt().default(2_000_000),
          timeoutSeconds: z.number().positive().default(30),
        })
        .prefault({}),
    })
    .prefault({}),
  mcpServers: z.record(z.string(), McpServerSchema).default({}),
  /** Which tool calls run, are refused, or wait for a person (docs/approvals.md). */
  policy: ToolPolicy.prefault({}),
});

const fraction = () => z.number().gt(0).max(1);

/**
 * How one worker process spends memory and task slots. Every key is optional; the defaults are
 * applied where the Temporal worker is built (src/temporal/worker-tuning.ts) and chosen from the
 * benchmark's idle-sessions measurement (docs/benchmark.md, "What to set in production").
 */
export const TemporalWorkerSchema = z
  .object({
    /** Workflows (sessions, turns) kept in memory between tasks; one not cached replays its history when it next runs. */
    maxCachedWorkflows: z.number().int().min(0).max(100_000).optional(),
    /** One shared V8 context for every workflow (the SDK's default and far leaner); false gives each its own. */
    reuseV8Context: z.boolean().optional(),
    /** How many tasks run at once: fixed slot counts, or slots handed out while memory and CPU stay under targets. */
    tuner: z
      .object({
        resourceBased: z.object({ targetMemoryUsage: fraction(), targetCpuUsage: fraction() }).optional(),
        fixed: z
          .object({
            workflowTaskSlots: z.number().int().min(2).max(10_000).optional(),
            activityTaskSlots: positiveInt().max(10_000).optional(),
            localActivityTaskSlots: positiveInt().max(10_000).optional(),
          })
          .optional(),
      })
      .refine((tuner) => Boolean(tuner.resourceBased) !== Boolean(tuner.fixed), {
        message: 'give either "resourceBased" ({"targetMemoryUsage": 0.8, "targetCpuUsage": 0.9}) or "fixed" (slot counts), not both and not neither',
      })
      .optional(),
  })
  .refine((worker) => worker.maxCachedWorkflows !== 1, {
    message: 'maxCachedWorkflows must be 0 (no cache) or at least 2 (the SDK needs room for a workflow and its sticky successor)',
    path: ['maxCachedWorkflows'],
  });

export const TemporalConfigSchema = z.object({
  address: z.string().min(1).default('localhost:7233'),
  namespace: z.string().min(1).default('default'),
  /**
   * The task queue, or several ("a,b" or a list): a worker polls all of them (one Temporal worker
   * each), clients start workflows on the first. The loader normalises this into `taskQueues`.
   */
  taskQueue: z
    .union([z.string(), z.array(z.string())])
    .default('exoclaw-temporal')
    .transform((value, ctx) => {
      const queues = [...new Set((Array.isArray(value) ? value : value.split(',')).map((queue) => queue.trim()))];
      if (queues.length === 0 || queues.some((queue) => queue === '')) {
        ctx.addIssue({ code: 'custom', message: 'name one task queue, or several separated by commas, none of them empty' });
        return z.NEVER;
      }
      return queues;
    }),
  /** Temporal Cloud API key (enables TLS). */
  apiKey: z.string().optional(),
  /** Worker process settings: workflow cache, V8 context reuse, task slots (docs/workspace-and-config.md). */
  worker: TemporalWorkerSchema.optional(),
});

export const SecurityConfigSchema = z.object({
  /** Payload (and blob) encryption; the key bytes come from EXOCLAW_ENCRYPTION_KEYS or this file, never the config. */
  encryption: z
    .object({
      /** JSON keys file, e.g. a mounted Secret: {"activeKey": "<id>", "keys": {"<id>": "<base64 of 32 bytes>"}}. */
      keysFile: z.string().min(1).optional(),
      /** The key id that encrypts; default the file's activeKey, else the only key. */
      activeKey: z.string().min(1).optional(),
      /** Also encrypt message blobs in the state root when keys are set. */
      blobs: z.boolean().default(true),
      // Refused rather than warned about as unknown: ignoring it would leave encryption silently off.
      keys: z
        .unknown()
        .refine((value) => value === undefined, {
          message: 'key bytes do not belong in the config file: use keysFile or EXOCLAW_ENCRYPTION_KEYS (docs/security.md)',
        })
        .optional(),
    })
    .prefault({}),
});

/** The session event stream (tokens, tool progress, replies, messages): docs/events.md. */
export const EventsConfigSchema = z.object({
  /**
   * Redis Streams instead of files in the state root, for fleets whose shared volume is too slow
   * to tail: redis://[user:password@]host:6379[/db] or rediss:// for TLS. Workers and readers
   * (chat, gateway) need the same one.
   */
  redisUrl: z
    .string()
    .refine((value) => /^rediss?:\/\/[^\s]+$/.test(value), { message: 'must be a redis:// or rediss:// URL, e.g. redis://localhost:6379' })
    .optional(),
});

/** `exoclaw-temporal gateway` (docs/gateway.md). Flags and EXOCLAW_GATEWAY_* win over these. */
export const GatewayConfigSchema = z.object({
  /** address to listen on; anything but loopback needs tokens (nanobot's dumps say 0.0.0.0) */
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535).optional(),
  /** where token hashes live (default <stateDir>/gateway/tokens.json) */
  tokensFile: z.string().min(1).optional(),
  /** requests per minute per token (bursts up to the same number); 429 beyond */
  rateLimitPerMinute: positiveInt().default(120),
  /** open event streams (SSE, streamed completions) per token; 429 beyond */
  maxStreamsPerToken: positiveInt().default(8),
  /** request body limit in bytes; 413 beyond */
  bodyLimitBytes: positiveInt().default(1024 * 1024),
  /** time to receive a request's headers, and the whole request, in milliseconds; 408 beyond */
  headersTimeoutMs: positiveInt().default(10_000),
  requestTimeoutMs: positiveInt().default(30_000),
  /** how long POST …/messages and non-streamed completions wait for the reply before a 202 */
  replyWaitMs: positiveInt().default(120_000),
  /** nanobot's gateway heartbeat: sessions here have their own (send --heartbeat); accepted and unused */
  heartbeat: z.unknown().optional(),
});

export const ConfigSchema = z.object({
  agents: z.object({ defaults: AgentDefaultsSchema.prefault({}) }).prefault({}),
  providers: z.record(z.string(), ProviderConfigSchema).default({}),
  tools: ToolsConfigSchema.prefault({}),
  temporal: TemporalConfigSchema.prefault({}),
  security: SecurityConfigSchema.prefault({}),
  events: EventsConfigSchema.prefault({}),
  gateway: GatewayConfigSchema.prefault({}),
  /** Channel settings (Telegram, …) are passed through untouched for the channel adapters. */
  channels: z.record(z.string(), z.unknown()).default({}),
});

export type ProviderConfig = z.output<typeof ProviderConfigSchema>;
export type TurnBudgetConfig = z.output<typeof TurnBudgetSchema>;
export type SessionBudgetConfig = z.output<typeof SessionBudgetSchema>;
export type DailyBudgetConfig = z.output<typeof DailyBudgetSchema>;
export type McpServerConfig = z.output<typeof McpServerSchema>;
export type ToolsConfig = z.output<typeof ToolsConfigSchema>;
export type TemporalConfig = TemporalSettings;
export type SecurityConfig = z.output<typeof SecurityConfigSchema>;
export type EventsConfig = z.output<typeof EventsConfigSchema>;
export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
export type TemporalWorkerConfig = z.output<typeof TemporalWorkerSchema>;

type ParsedConfig = z.output<typeof ConfigSchema>;

/** Temporal settings after loading: the first task queue (where clients start workflows) and all of them. */
export type TemporalSettings = Omit<ParsedConfig['temporal'], 'taskQueue'> & {
  /** The first task queue: clients start workflows here. */
  taskQueue: string;
  /** Every task queue a worker polls (at least one, no duplicates). */
  taskQueues: string[];
};

/** Provider settings by provider name (the prefix of `provider/model`). */
export type ProvidersConfig = Record<string, { apiKey?: string; apiBase?: string; extraHeaders?: Record<string, string> }>;

export type AgentDefaults = Omit<ParsedConfig['agents']['defaults'], 'workspace' | 'model' | 'stateDir'> & {
  workspace: string;
  model: string;
  stateDir: string;
};

/** The validated configuration: every default filled in, paths absolute, model chosen. */
export interface Config extends Omit<ParsedConfig, 'agents' | 'providers' | 'temporal'> {
  agents: { defaults: AgentDefaults };
  providers: ProvidersConfig;
  temporal: TemporalSettings;
  /** The file the configuration came from, if any. */
  sourcePath?: string;
}

/** Top-level sections of nanobot configs that this project accepts and ignores silently. */
export const IGNORED_TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(['$schema']);

/** Where nanobot keeps its workspace: the default for a config found at `~/.nanobot/config.json`. */
export const NANOBOT_DEFAULT_WORKSPACE = '~/.nanobot/workspace';
export const DEFAULT_WORKSPACE = '~/.exoclaw/workspace';
