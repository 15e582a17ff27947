/** The most specific message in a cause chain (Temporal wraps the real reason several levels deep). */
export function rootMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  let current = error as { cause?: unknown } | undefined;
  for (let depth = 0; current?.cause && depth < 8; depth++) {
    current = current.cause as { cause?: unknown; message?: unknown };
    if (typeof (current as { message?: unknown }).message === 'string' && (current as Error).message) {
      message = (current as Error).message;
    }
  }
  return message;
}
