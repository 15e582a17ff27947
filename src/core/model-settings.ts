/** How to call the model. Unset fields fall back to the runtime's defaults (e.g. the worker's config). */
export interface ModelSettings {
  /** `provider/model`, e.g. `anthropic/claude-sonnet-4-6` */
  model?: string;
  temperature?: number;
  maxTokens?: number;
  reasoningEffort?: string | null;
}

const KEYS = ['model', 'temperature', 'maxTokens', 'reasoningEffort'] as const;

/** The model settings among an object's fields (only those that are set). */
export function modelSettingsOf(source: ModelSettings): ModelSettings {
  const settings: ModelSettings = {};
  for (const key of KEYS) {
    if (source[key] !== undefined) (settings as Record<string, unknown>)[key] = source[key];
  }
  return settings;
}

/** `base` with every setting `override` sets. */
export function withModelSettings<T extends ModelSettings>(base: T, override: ModelSettings | undefined): T {
  return override ? { ...base, ...modelSettingsOf(override) } : base;
}
