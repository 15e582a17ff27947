// A Temporal worker plugin: an existing worker hosts the agent workflows and activities next to
// its own, e.g. `Worker.create({ plugins: [exoclawPlugin({ tools: [myTool] })], workflowsPath, … })`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { BundleOptions, WorkerOptions } from '@temporalio/worker';
import { SimplePlugin } from '@temporalio/plugin';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import type { Config } from '../config.js';
import type { AgentHooks, LLMProvider, Tool } from '../core/index.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { loadEncryptionKeys } from '../encryption/load-encryption-keys.js';
import type { Logger } from '../logger.js';
import type { EventPublisher } from '../events/event-publisher.js';
import { workerTelemetryOptions, workflowInterceptorModules } from '../telemetry/worker-telemetry.js';
import { resolveAgentConfig, type AgentConfigInput } from './agent-config.js';
import { exoclawDataConverter } from './data-converter.js';
import { workflowsEntry, workflowSource } from './workflow-bundle.js';
import { createWorkerDeps } from './worker-deps.js';

export interface ExoclawPluginOptions {
  /** A loaded Config, a config file path, or settings over the config file and environment. */
  config?: AgentConfigInput;
  /** Your own tools (`defineTool`), run durably by the executeTool activity beside the built-ins. */
  tools?: readonly Tool[];
  /** Your own providers by name: model `name/model` is served by `providers[name]`. */
  providers?: Readonly<Record<string, LLMProvider>>;
  /** Your hooks (before the prompt, before each tool call, after the turn), run in the agent's activities. */
  hooks?: AgentHooks;
  logger?: Logger;
  /** Payload encryption keys; default: from the config (`security.encryption`) and the environment. */
  encryption?: EncryptionKeyRing;
}

/** The plugin's name, as Temporal reports it. */
export const EXOCLAW_PLUGIN_NAME = 'exoclaw-temporal';

/**
 * Registers the agent activities (built from the config on first use, with your tools and
 * providers), the data converter the agent workflows need (encryption codec, large payloads in
 * the state root: clients need it too — pass the plugin to `new Client({ plugins })`), the sinks
 * and interceptors the bundled workflows call, and the agent workflows themselves:
 * - a worker with its own `workflowsPath` gets one bundle of its workflows and the agent's
 *   (an entry that re-exports both; a workflow of yours with an agent workflow's name clashes);
 * - a worker with neither gets the agent workflows alone;
 * - a worker with a pre-built `workflowBundle` keeps it: bundle it with
 *   `bundleWorkflowCode({ workflowsPath, plugins: [plugin] })` so it holds the agent workflows too.
 */
export function exoclawPlugin(opts: ExoclawPluginOptions = {}): ExoclawPlugin {
  return new ExoclawPlugin(opts);
}

export class ExoclawPlugin extends SimplePlugin {
  readonly config: Config;
  private readonly encryptionKeys: EncryptionKeyRing | undefined;
  private deps: Promise<{ deps: ActivityDeps; close(): Promise<void> }> | undefined;
  private running = 0;
  /** Entry files this plugin wrote (host workflows + agent workflows), removed when its last worker stops. */
  private readonly entries = new Map<string, string>();

  constructor(private readonly pluginOptions: ExoclawPluginOptions) {
    // Synchronous parts first: a bad config or key fails where the plugin is created.
    const config = resolveAgentConfig(pluginOptions.config, pluginOptions.logger && ((message) => pluginOptions.logger!.warn(message)));
    const encryption = pluginOptions.encryption ?? loadEncryptionKeys(config.security.encryption);
    const telemetry = workerTelemetryOptions(undefined);
    // The options name methods of this instance, which exists only once super() returns.
    const late: { plugin?: ExoclawPlugin } = {};
    super({
      name: EXOCLAW_PLUGIN_NAME,
      dataConverter: exoclawDataConverter({ stateDir: config.agents.defaults.stateDir, encryption }),
      activities: lazyActivities(() => late.plugin!.activityDeps()),
      workerInterceptors: { activity: telemetry.interceptors.activity },
      runContext: (next) => late.plugin!.run(next),
    });
    late.plugin = this;
    this.config = config;
    this.encryptionKeys = encryption;
  }

  /** The agent workflows when the worker has no workflow code of its own; the sinks they call. */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    const own = options.workflowsPath !== undefined || options.workflowBundle !== undefined;
    const agentOnly = own ? {} : workflowSource();
    return {
      ...configured,
      ...agentOnly,
      sinks: { ...workerTelemetryOptions(undefined, { events: this.lazyEvents }).sinks, ...options.sinks },
    };
  }

  /** Bundling (by a worker, or `bundleWorkflowCode({ plugins: [plugin] })`): the agent workflows join the host's. */
  override configureBundler(options: BundleOptions): BundleOptions {
    const configured = super.configureBundler(options);
    const modules = [...new Set([...(configured.workflowInterceptorModules ?? []), ...workflowInterceptorModules()])];
    const workflowsPath = this.withAgentWorkflows(configured.workflowsPath);
    if (workflowsPath === configured.workflowsPath) return { ...configured, workflowInterceptorModules: modules };
    // The bundler's generated entry sits beside ours, in a temp folder: it must still find @temporalio/workflow.
    const hook = configured.webpackConfigHook;
    const modulesDir = nodeModulesOf('@temporalio/workflow');
    return {
      ...configured,
      workflowsPath,
      workflowInterceptorModules: modules,
      webpackConfigHook: (config) => {
        const hooked = hook ? hook(config) : config;
        const resolve = hooked.resolve ?? {};
        return { ...hooked, resolve: { ...resolve, modules: [...(resolve.modules ?? ['node_modules']), modulesDir] } };
      },
    };
  }

  private withAgentWorkflows(hostPath: string): string {
    const agentPath = workflowsEntry();
    if (hostPath === agentPath || [...this.entries.values()].includes(hostPath)) return hostPath;
    const known = this.entries.get(hostPath);
    if (known) return known;
    const dir = mkdtempSync(join(tmpdir(), 'exoclaw-plugin-'));
    const entry = join(dir, 'workflows.js');
    const exportFrom = (path: string): string => `export * from ${JSON.stringify(path)};\n`;
    writeFileSync(entry, `// The host worker's workflows and the agent workflows, in one bundle.\n${exportFrom(hostPath)}${exportFrom(agentPath)}`);
    this.entries.set(hostPath, entry);
    return entry;
  }

  /** The session event stream of the activity dependencies, for the events the workflows publish through a sink. */
  private readonly lazyEvents = {
    publish: async (...args: Parameters<EventPublisher['publish']>) => (await this.activityDeps()).events?.publish(...args),
  };

  /** The activity dependencies, built once from the config (state root, MCP servers, providers). */
  activityDeps(): Promise<ActivityDeps> {
    this.deps ??= createWorkerDeps(this.config, {
      logger: this.pluginOptions.logger,
      encryption: this.encryptionKeys,
      tools: this.pluginOptions.tools,
      providers: this.pluginOptions.providers,
      hooks: this.pluginOptions.hooks,
    });
    return this.deps.then((built) => built.deps);
  }

  /** Around each worker's run: dependencies ready before the first task, closed after the last worker stops. */
  private async run(next: () => Promise<void>): Promise<void> {
    await this.activityDeps();
    this.running += 1;
    try {
      await next();
    } finally {
      this.running -= 1;
      if (this.running === 0) await this.close();
    }
  }

  private async close(): Promise<void> {
    const built = this.deps;
    this.deps = undefined;
    await (await built?.catch(() => undefined))?.close().catch(() => undefined);
    for (const entry of this.entries.values()) rmSync(join(entry, '..'), { recursive: true, force: true });
    this.entries.clear();
  }
}

/** The node_modules folder a package is found in from here. */
function nodeModulesOf(pkg: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(pkg));
  while (basename(dir) !== 'node_modules' && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The agent activities under their names, each waiting for the dependencies on its first call
 * (Temporal wants the activity object when the worker is created; the dependencies need I/O).
 */
function lazyActivities(deps: () => Promise<ActivityDeps>): Record<string, (...args: unknown[]) => Promise<unknown>> {
  // The factories only capture their dependencies, so the names can be read without any.
  const names = Object.keys(createActivities({} as ActivityDeps));
  let built: Promise<Record<string, (...args: unknown[]) => Promise<unknown>>> | undefined;
  const activities: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of names) {
    activities[name] = async (...args) => {
      built ??= deps().then((ready) => createActivities(ready) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>);
      return (await built)[name]!(...args);
    };
  }
  return activities;
}
