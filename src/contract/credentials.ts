// Names that hold credentials: apiKey, api_key, secret, password, authorization, credentials,
// token, accessToken, auth_token… but not settings that merely count tokens (maxTokens).
const CREDENTIAL_KEY = /api[-_]?key|secret|passw(or)?d|authorization|credential|token$/i;

/**
 * The path of the first credential-looking key that holds a value, if any: keys live on workers.
 * An empty value (null, '') carries no key: the reference's clients always send `llm.api_key: null`
 * and `workspace.web_search_api_key: ""`, and refusing those would refuse every such client.
 */
export function findCredentialKey(value: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (CREDENTIAL_KEY.test(key) && !isEmpty(child)) return key;
    const nested = findCredentialKey(child, depth + 1);
    if (nested) return `${key}.${nested}`;
  }
  return undefined;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

export const CREDENTIALS_BELONG_ON_WORKER =
  'Keys live on the worker: set ANTHROPIC_API_KEY / OPENAI_API_KEY in the worker environment or its config file.';

/** Where the credential at `path` belongs instead, said as specifically as the key name allows. */
export function whereCredentialBelongs(path: string): string {
  if (/search/i.test(path)) {
    return 'A web search key lives on the worker: set BRAVE_API_KEY in the worker environment or its config file (tools.web.search.apiKey).';
  }
  if (/(^|\.)llm\./.test(path)) {
    return (
      'Model keys live on the worker: set ANTHROPIC_API_KEY / OPENAI_API_KEY (or the provider\'s own variable) in the worker ' +
      'environment or its config file (providers.<name>.apiKey); the input names only the model (llm.model).'
    );
  }
  return CREDENTIALS_BELONG_ON_WORKER;
}
