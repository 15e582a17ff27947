import type { FileHandle } from 'node:fs/promises';

/**
 * Reads a window of lines from a file in one streaming pass with bounded memory: the lines from
 * `offset` (1-based) for at most `limit` lines and at most `maxBytes` bytes, while counting every
 * line in the file. A huge file costs one sequential read, never more than `maxBytes` of memory.
 */
export interface LineWindowRequest {
  offset: number;
  limit: number | undefined;
  maxBytes: number;
}

export interface LineWindow {
  text: string;
  /** first and last line returned (1-based); `last < first` when nothing was returned */
  first: number;
  last: number;
  totalLines: number;
  /** stopped early because of `maxBytes` */
  byteCapped: boolean;
  /** the first line alone was longer than `maxBytes` and was cut */
  lineCut: boolean;
}

const CHUNK = 64 * 1024;

export async function readLineWindow(handle: FileHandle, req: LineWindowRequest): Promise<LineWindow> {
  const lastWanted = req.limit === undefined ? Number.POSITIVE_INFINITY : req.offset + req.limit - 1;
  const out = Buffer.alloc(req.maxBytes);
  let outLength = 0;
  let lineStartInOut = 0; // where the line being collected starts in `out`, to roll it back
  let collecting = true;
  let byteCapped = false;
  let lineCut = false;
  let lastComplete = req.offset - 1;

  let lineNo = 1;
  let newlines = 0;
  let lastByte = -1;
  let position = 0;
  const chunk = Buffer.alloc(CHUNK);

  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data = chunk.subarray(0, bytesRead);
    lastByte = data[bytesRead - 1] ?? lastByte;
    let pos = 0;
    while (pos < data.length) {
      const nl = data.indexOf(10, pos);
      const end = nl === -1 ? data.length : nl + 1;
      if (collecting && lineNo >= req.offset && lineNo <= lastWanted) {
        const segment = data.subarray(pos, end);
        if (outLength + segment.length > req.maxBytes) {
          if (lineNo === req.offset) {
            // A single line longer than the whole budget: return its beginning.
            segment.copy(out, outLength, 0, req.maxBytes - outLength);
            outLength = req.maxBytes;
            lineCut = true;
            lastComplete = lineNo;
          } else {
            outLength = lineStartInOut; // drop the partial line; it is read in the next call
          }
          collecting = false;
          byteCapped = true;
        } else {
          segment.copy(out, outLength);
          outLength += segment.length;
          if (nl !== -1) {
            lastComplete = lineNo;
            lineStartInOut = outLength;
          }
        }
      }
      if (nl === -1) break;
      newlines += 1;
      lineNo += 1;
      if (collecting && lineNo > lastWanted) collecting = false;
      pos = end;
    }
  }
  const totalLines = newlines + (position > 0 && lastByte !== 10 ? 1 : 0);
  // The last line may lack a newline: it counts once the file ended while collecting it.
  if (collecting && lineNo >= req.offset && lineNo <= lastWanted && lineNo <= totalLines) lastComplete = lineNo;

  let text = out.subarray(0, outLength).toString('utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  return { text, first: req.offset, last: Math.min(lastComplete, totalLines), totalLines, byteCapped, lineCut };
}
