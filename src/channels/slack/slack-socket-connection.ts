import WebSocket from 'ws';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { SlackEventBody } from './slack-events.js';

const Envelope = z.looseObject({
  type: z.string(),
  envelope_id: z.string().optional(),
  payload: z.unknown().optional(),
  reason: z.string().optional(),
  num_connections: z.number().optional(),
  retry_attempt: z.number().optional(),
});

/** How a connection ended: Slack asked for a new one (`disconnect`), or the socket closed. */
export type ConnectionEnd = { how: 'disconnect'; reason: string } | { how: 'closed'; code: number };

export interface ConnectionTimings {
  /** Slack's `hello` must arrive this soon after connecting. */
  helloTimeoutMs: number;
  /** A ping is sent this often; a ping still unanswered at the next one means the link is dead. */
  pingIntervalMs: number;
}

export const DEFAULT_TIMINGS: ConnectionTimings = { helloTimeoutMs: 10_000, pingIntervalMs: 30_000 };

/**
 * One Socket Mode WebSocket. Envelopes are handled one at a time, in order (two quick messages
 * in a chat reach their session in the order sent). An `events_api` envelope is acknowledged
 * once its event has been handed to the session (signal-with-start returned), so an acknowledged
 * event is in Temporal; when that fails the envelope stays unacknowledged and Slack sends it
 * again. Envelopes we do not handle (slash commands, interactivity) are acknowledged at once.
 */
export class SlackSocketConnection {
  /** Resolves once, when Slack sends `disconnect` or the socket closes (whichever comes first). */
  readonly ended: Promise<ConnectionEnd>;
  private endWith!: (end: ConnectionEnd) => void;
  private inHand: Promise<void> = Promise.resolve();
  private pinger: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: WebSocket,
    private readonly route: (body: SlackEventBody) => Promise<void>,
    private readonly logger: Logger,
  ) {
    this.ended = new Promise((resolve) => (this.endWith = resolve));
  }

  /** Connects and waits for Slack's `hello`; rejects when the socket fails or closes first. */
  static open(
    url: string,
    route: (body: SlackEventBody) => Promise<void>,
    logger: Logger,
    timings: ConnectionTimings = DEFAULT_TIMINGS,
  ): Promise<{ connection: SlackSocketConnection; numConnections?: number }> {
    const socket = new WebSocket(url, { handshakeTimeout: timings.helloTimeoutMs });
    const connection = new SlackSocketConnection(socket, route, logger);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error(`no hello from Slack within ${timings.helloTimeoutMs} ms`));
      }, timings.helloTimeoutMs);
      // Errors say what failed, never the URL (it carries the connection's ticket).
      socket.on('error', (error: Error & { code?: string }) => {
        clearTimeout(timer);
        reject(new Error(`WebSocket failed (${error.code ?? error.message.replace(/\S+:\/\/\S+/g, '<url>')})`));
      });
      socket.on('close', (code) => {
        clearTimeout(timer);
        clearInterval(connection.pinger);
        reject(new Error(`WebSocket closed before hello (code ${code})`));
        connection.endWith({ how: 'closed', code });
      });
      socket.on('message', (data, isBinary) => {
        const envelope = Envelope.safeParse(parseJson(isBinary ? '' : bufferText(data)));
        if (!envelope.success) return logger.warn({ channel: 'slack' }, 'slack socket mode: a frame that is not an envelope was ignored');
        if (envelope.data.type === 'hello') {
          clearTimeout(timer);
          connection.startPinging(timings.pingIntervalMs);
          resolve({ connection, ...(envelope.data.num_connections !== undefined ? { numConnections: envelope.data.num_connections } : {}) });
          return;
        }
        connection.onEnvelope(envelope.data);
      });
    });
  }

  /**
   * Finishes the envelopes in hand (so their acknowledgements go out), then closes. Waits at most
   * `maxWaitMs`: what is still unacknowledged then (Temporal unreachable) Slack sends again.
   */
  async retire(maxWaitMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.inHand, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
    clearTimeout(timer);
    this.close();
  }

  close(): void {
    clearInterval(this.pinger);
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000);
    // A peer that never answers the close handshake must not keep us (the close event ends it).
    setTimeout(() => this.socket.terminate(), 2_000).unref();
  }

  private onEnvelope(envelope: z.output<typeof Envelope>): void {
    if (envelope.type === 'disconnect') {
      this.endWith({ how: 'disconnect', reason: envelope.reason ?? 'unknown' });
      return;
    }
    const id = envelope.envelope_id;
    if (!id) return;
    if (envelope.type !== 'events_api') {
      this.acknowledge(id);
      return;
    }
    this.inHand = this.inHand.then(async () => {
      const body = SlackEventBody.safeParse(envelope.payload);
      if (!body.success) {
        this.logger.warn({ channel: 'slack', envelopeId: id }, 'slack socket mode: an events_api payload that is not an event was acknowledged and ignored');
        return this.acknowledge(id);
      }
      try {
        await this.route(body.data);
        this.acknowledge(id);
      } catch (error) {
        this.logger.error(
          { channel: 'slack', envelopeId: id, eventId: body.data.event_id, err: error },
          'slack event could not be queued; left unacknowledged so Slack sends it again',
        );
      }
    });
  }

  private acknowledge(envelopeId: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) {
      this.logger.warn({ channel: 'slack', envelopeId }, 'slack socket mode: the socket closed before the acknowledgement; Slack sends the envelope again');
      return;
    }
    this.socket.send(JSON.stringify({ envelope_id: envelopeId }));
  }

  /** A link that died silently (no FIN) shows as a ping with no pong; the socket is then dropped. */
  private startPinging(intervalMs: number): void {
    let answered = true;
    this.socket.on('pong', () => (answered = true));
    this.pinger = setInterval(() => {
      if (!answered) {
        this.logger.warn({ channel: 'slack' }, 'slack socket mode: no pong from Slack; dropping the connection');
        this.socket.terminate();
        return;
      }
      answered = false;
      this.socket.ping();
    }, intervalMs);
    this.pinger.unref();
  }
}

function bufferText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
