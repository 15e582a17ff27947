/**
 * Guesses whether bytes are text: a NUL byte, or bytes that are not valid UTF-8, mean binary.
 * Only the sample is inspected; a multi-byte character cut at its end is not held against it.
 */
export function looksBinary(sample: Uint8Array): boolean {
  if (sample.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return false;
  } catch {
    return true;
  }
}
