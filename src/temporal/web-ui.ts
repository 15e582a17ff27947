// Links into the Temporal Web UI, for messages that tell a person where to look.

/** `<ui>/namespaces/<ns>/workflows/<id>[/<run>/history]`; undefined without a UI. */
export function workflowUrl(uiUrl: string | undefined, namespace: string, workflowId: string, runId?: string): string | undefined {
  if (!uiUrl) return undefined;
  const base = `${uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

const CLOUD_UI = 'https://cloud.temporal.io';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * The Web UI for a Temporal frontend, when it can be known: the configured one
 * (`EXOCLAW_UI_URL`), Temporal Cloud's for a Cloud address, or — for a server on this machine —
 * the dev server's UI at the frontend port + 1000 (the Temporal CLI's default, 7233 → 8233)
 * if something answers there. Undefined otherwise.
 */
export async function findWebUi(address: string, configured: string | undefined = process.env['EXOCLAW_UI_URL']): Promise<string | undefined> {
  if (configured?.trim()) return configured.trim().replace(/\/+$/, '');
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).toLowerCase();
  const port = Number(address.slice(colon + 1));
  if (host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io')) return CLOUD_UI;
  if (!LOOPBACK_HOSTS.has(host) || !Number.isInteger(port)) return undefined;
  const candidate = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port + 1000}`;
  try {
    const response = await fetch(candidate, { signal: AbortSignal.timeout(1_000), redirect: 'manual' });
    await response.body?.cancel();
    return response.status < 500 ? candidate : undefined;
  } catch {
    return undefined;
  }
}
