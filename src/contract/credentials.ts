// Names that hold credentials: apiKey, api_key, secret, password, authorization, credentials,
// token, accessToken, auth_token… but not settings that merely count tokens (maxTokens).
const CREDENTIAL_KEY = /api[-_]?key|secret|passw(or)?d|authorization|credential|token$/i;

/** The path of the first credential-looking key in a workflow input, if any: keys live on workers. */
export function findCredentialKey(value: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (CREDENTIAL_KEY.test(key)) return key;
    const nested = findCredentialKey(child, depth + 1);
    if (nested) return `${key}.${nested}`;
  }
  return undefined;
}

export const CREDENTIALS_BELONG_ON_WORKER =
  'Keys live on the worker: set ANTHROPIC_API_KEY / OPENAI_API_KEY in the worker environment or its config file.';
