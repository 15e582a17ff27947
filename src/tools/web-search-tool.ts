import { z } from 'zod';
import { toolError, toolOutput } from '../core/tool.js';
import { defineTool } from './define-tool.js';
import { isAbortError, linkSignals } from './abort-signals.js';
import { decodeEntities } from './html-to-text.js';

export interface WebSearchToolOptions {
  /** Brave Search API key (config `tools.web.search.apiKey`, or BRAVE_API_KEY). */
  apiKey?: string;
  /** Endpoint, overridable for tests (default https://api.search.brave.com/res/v1/web/search). */
  baseUrl?: string;
  /** Results when the model does not say (default 5). */
  defaultCount?: number;
  timeoutSeconds?: number;
}

export const BRAVE_SEARCH_URL = 'https://api.search.brave.com/res/v1/web/search';

const MAX_COUNT = 20;

const SearchArgs = z.object({
  query: z.string().min(1).max(400).describe('What to search for'),
  count: z.number().int().min(1).max(MAX_COUNT).optional().describe('How many results (1-20, default 5)'),
});

const BraveResponse = z.object({
  web: z
    .object({
      results: z
        .array(
          z.object({
            title: z.string().optional().default(''),
            url: z.string(),
            description: z.string().optional().default(''),
            age: z.string().optional(),
          }),
        )
        .default([]),
    })
    .optional(),
});

/** `web_search`: search the web with the Brave Search API. */
export function createWebSearchTool(opts: WebSearchToolOptions = {}) {
  const baseUrl = opts.baseUrl ?? BRAVE_SEARCH_URL;
  const defaultCount = opts.defaultCount ?? 5;
  const timeoutSeconds = opts.timeoutSeconds ?? 20;
  return defineTool({
    name: 'web_search',
    description: 'Search the web. Returns titles, URLs and snippets; use web_fetch to read a result.',
    args: SearchArgs,
    async execute(args, ctx) {
      const apiKey = opts.apiKey?.trim();
      if (!apiKey) {
        return toolError(
          'Error: web_search is not configured: no Brave Search API key. Set tools.web.search.apiKey in the config ' +
            'file or the BRAVE_API_KEY environment variable on the worker (keys: https://brave.com/search/api/). ' +
            'Until then, use web_fetch on a URL you know.',
        );
      }
      const { query, count = defaultCount } = args;
      const url = new URL(baseUrl);
      url.searchParams.set('q', query);
      url.searchParams.set('count', String(count));
      const linked = linkSignals(ctx.signal, AbortSignal.timeout(timeoutSeconds * 1000));
      try {
        const response = await fetch(url, {
          headers: { accept: 'application/json', 'x-subscription-token': apiKey },
          signal: linked.signal,
        });
        if (!response.ok) {
          const hint =
            response.status === 401 || response.status === 403
              ? ' The API key was rejected; check tools.web.search.apiKey / BRAVE_API_KEY.'
              : response.status === 429
                ? ' Rate limited; wait a little before searching again.'
                : '';
          return toolError(`Error: the search API answered HTTP ${response.status}.${hint}`);
        }
        const body = BraveResponse.safeParse(await response.json().catch(() => undefined));
        if (!body.success) return toolError('Error: the search API sent a response in an unexpected format');
        const results = (body.data.web?.results ?? []).slice(0, count);
        if (results.length === 0) return toolOutput(`No results for: ${query}`);
        const lines = [`Results for: ${query}`, ''];
        results.forEach((r, i) => {
          lines.push(`${i + 1}. ${clean(r.title) || r.url}`, `   ${r.url}`);
          const snippet = clean(r.description);
          if (snippet) lines.push(`   ${snippet}`);
        });
        return toolOutput(lines.join('\n'));
      } catch (error) {
        if (ctx.signal?.aborted) return toolError('Error: the search was cancelled');
        if (linked.signal.aborted || isAbortError(error)) return toolError(`Error: the search timed out after ${timeoutSeconds}s`);
        const code = (error as { cause?: { code?: string } }).cause?.code;
        return toolError(`Error: could not reach the search API (${code ?? (error as Error).message})`);
      } finally {
        linked.dispose();
      }
    },
  });
}

/** Brave marks matches with <strong>; the model wants plain text. */
function clean(text: string): string {
  return decodeEntities(text.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}
