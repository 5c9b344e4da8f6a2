import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer, connect as netConnect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy for PostgreSQL connections that breaks them on command, for resilience tests:
 *
 *   local Neon (pg pool) ──▶ fault proxy ──▶ PostgreSQL
 *
 * Faults, each settable from tests through a small HTTP control API on loopback:
 *   POST /cut                          destroy every open connection now
 *   POST /cut-after-bytes {bytes, direction?}
 *                                      let `bytes` more bytes through ('both' | 'to-server' | 'to-client'),
 *                                      then destroy every open connection (a message may arrive half-sent)
 *   POST /swallow {match?, skip?, times?, drop?, thenDown?}
 *                                      the next statement (a Parse or simple Query message whose SQL text
 *                                      contains `match`, case-insensitive, after `skip` matching ones) reaches
 *                                      the server, but its replies are dropped up to the server's
 *                                      ReadyForQuery and then the connection dies: the statement ran (a COMMIT
 *                                      committed) and the client never hears of it. `drop`: the statement
 *                                      never reaches the server, the connection dies at once. `thenDown`:
 *                                      the whole database goes down with it (every other connection is cut,
 *                                      new ones are refused) until /reset.
 *   POST /latency {ms}                 delay every chunk in both directions (order kept)
 *   POST /refuse {refuse?: boolean}    reset every new connection at once (default true)
 *   POST /reset                        clear every fault (open connections stay)
 *   GET  /state                        counters and the faults in force
 */

export type Direction = 'both' | 'to-server' | 'to-client';

export interface FaultState {
  /** Connections open right now. */
  open: number;
  accepted: number;
  refused: number;
  /** Connections destroyed by /cut or /cut-after-bytes. */
  cut: number;
  /** Connections whose replies were swallowed (then destroyed). */
  swallowed: number;
  /** Connections destroyed instead of forwarding a matched message. */
  dropped: number;
  faults: {
    refuse: boolean;
    latencyMs: number;
    cutAfterBytes: { remaining: number; direction: Direction } | null;
    swallow: SwallowRule | null;
  };
}

export interface SwallowOptions {
  match?: string | null;
  /** Let this many matching messages pass untouched first. */
  skip?: number;
  /** How many matching messages to swallow (default 1). */
  times?: number;
  /** Never forward the message: the database dies right before the statement. */
  drop?: boolean;
  /** When it fires, cut every other connection and refuse new ones: the database stays down. */
  thenDown?: boolean;
}

export interface SwallowRule {
  match: string | null;
  skip: number;
  remaining: number;
  drop: boolean;
  thenDown: boolean;
}

export interface FaultProxyOptions {
  upstream: { host: string; port: number };
  /** Where the proxy listens for database clients; 0 picks a free port. */
  port?: number;
  /** Where the control API listens; 0 picks a free port. */
  controlPort?: number;
  /** Loopback only: this is test tooling, never an open proxy. */
  host?: string;
}

export interface FaultProxy {
  port: number;
  /** e.g. http://127.0.0.1:PORT */
  controlUrl: string;
  /** The same database URL, pointed through the proxy. */
  proxiedUrl(databaseUrl: string): string;
  state(): FaultState;
  cutAll(): number;
  cutAfterBytes(bytes: number, direction?: Direction): void;
  swallowNext(options?: SwallowOptions): void;
  setLatency(ms: number): void;
  setRefuse(refuse: boolean): void;
  reset(): void;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const READY_FOR_QUERY = 0x5a; // 'Z'
const PARSE = 0x50; // 'P'
const QUERY = 0x51; // 'Q'

/**
 * Splits a PostgreSQL byte stream into whole messages: untyped startup packets first (client
 * side only), then type byte + int32 length. `onMessage` sees each complete message.
 */
class MessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Server side: single-byte answers owed to SSL/GSSENC requests. */
  pendingSingleBytes = 0;
  private startup: boolean;

  constructor(
    clientSide: boolean,
    private readonly onMessage: (type: number | null, message: Buffer) => void,
  ) {
    this.startup = clientSide;
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.pendingSingleBytes > 0) {
        if (this.buffer.length < 1) return;
        this.pendingSingleBytes -= 1;
        this.take(1, null);
        continue;
      }
      if (this.startup) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        // After an encryption request another startup packet follows; otherwise typed messages do.
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
        this.take(length, null);
        continue;
      }
      if (this.buffer.length < 5) return;
      const total = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < total) return;
      this.take(total, this.buffer[0] ?? null);
    }
  }

  /** Bytes of a message not yet complete. */
  takePartial(): Buffer {
    const partial = this.buffer;
    this.buffer = Buffer.alloc(0);
    return partial;
  }

  private take(length: number, type: number | null): void {
    const message = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    this.onMessage(type, message);
  }
}

interface Connection {
  client: Socket;
  server: Socket;
  swallowing: boolean;
  closed: boolean;
}

/** Writes chunks after a delay, in order. */
function delayedWriter(socket: Socket, latency: () => number) {
  const queue: Array<{ chunk: Buffer; due: number }> = [];
  let timer: NodeJS.Timeout | undefined;
  function flush() {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= now) {
      const item = queue.shift();
      if (item && !socket.destroyed) socket.write(item.chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, (queue[0]?.due ?? now) - now));
  }
  return {
    write(chunk: Buffer) {
      const ms = latency();
      if (ms <= 0 && queue.length === 0) {
        if (!socket.destroyed) socket.write(chunk);
        return;
      }
      queue.push({ chunk, due: Date.now() + ms });
      if (!timer) timer = setTimeout(flush, ms);
    },
    clear() {
      queue.length = 0;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  const connections = new Set<Connection>();
  const counters = { accepted: 0, refused: 0, cut: 0, swallowed: 0, dropped: 0 };
  let refuse = false;
  let latencyMs = 0;
  let cutAfter: { remaining: number; direction: Direction } | null = null;
  let swallow: SwallowRule | null = null;

  function matches(rule: SwallowRule, message: Buffer): boolean {
    if (rule.match && !message.toString('utf8').toLowerCase().includes(rule.match)) return false;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return false;
    }
    return true;
  }

  function destroy(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    connection.client.destroy();
    connection.server.destroy();
  }

  function cutAll(): number {
    const n = connections.size;
    for (const connection of [...connections]) destroy(connection);
    counters.cut += n;
    return n;
  }

  /** Applies the byte budget to one chunk; returns what may still pass. */
  function budget(chunk: Buffer, direction: 'to-server' | 'to-client'): { pass: Buffer; cut: boolean } {
    if (!cutAfter || (cutAfter.direction !== 'both' && cutAfter.direction !== direction)) {
      return { pass: chunk, cut: false };
    }
    if (chunk.length < cutAfter.remaining) {
      cutAfter.remaining -= chunk.length;
      return { pass: chunk, cut: false };
    }
    const pass = chunk.subarray(0, cutAfter.remaining);
    cutAfter = null;
    return { pass, cut: true };
  }

  const proxy: Server = createServer((client) => {
    if (refuse) {
      counters.refused += 1;
      client.resetAndDestroy();
      return;
    }
    counters.accepted += 1;
    const server = netConnect(options.upstream.port, options.upstream.host);
    const connection: Connection = { client, server, swallowing: false, closed: false };
    connections.add(connection);
    const toServer = delayedWriter(server, () => latencyMs);
    const toClient = delayedWriter(client, () => latencyMs);

    // Client bytes are forwarded message by message, so that one message can be held back.
    const clientReader = new MessageReader(true, (type, message) => {
      if (connection.closed) return;
      if (type === null) {
        const code = message.length >= 8 ? message.readInt32BE(4) : 0;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) serverReader.pendingSingleBytes += 1;
      } else if ((type === PARSE || type === QUERY) && swallow && !connection.swallowing && matches(swallow, message)) {
        const rule = swallow;
        rule.remaining -= 1;
        if (rule.remaining <= 0) swallow = null;
        if (rule.thenDown) {
          refuse = true;
          for (const other of [...connections]) {
            if (other !== connection) {
              counters.cut += 1;
              destroy(other);
            }
          }
        }
        if (rule.drop) {
          counters.dropped += 1;
          destroy(connection);
          return;
        }
        connection.swallowing = true;
      }
      toServer.write(message);
    });
    const serverReader = new MessageReader(false, (type) => {
      if (connection.swallowing && type === READY_FOR_QUERY) {
        counters.swallowed += 1;
        destroy(connection);
      }
    });

    client.on('data', (chunk: Buffer) => {
      if (connection.closed) return;
      const { pass, cut } = budget(chunk, 'to-server');
      if (pass.length > 0) clientReader.push(pass);
      if (cut) {
        // The partial message the budget let through still reaches the server.
        const partial = clientReader.takePartial();
        if (partial.length > 0 && !connection.closed) toServer.write(partial);
        setImmediate(cutAll);
      }
    });
    server.on('data', (chunk: Buffer) => {
      if (connection.closed) return;
      const { pass, cut } = budget(chunk, 'to-client');
      if (pass.length > 0) {
        const swallowing = connection.swallowing;
        serverReader.push(pass);
        // Everything after the swallowed statement was sent is dropped, up to its ReadyForQuery.
        if (!swallowing && !connection.closed) toClient.write(pass);
      }
      if (cut) setImmediate(cutAll);
    });
    const end = () => {
      toServer.clear();
      toClient.clear();
      destroy(connection);
    };
    client.on('error', end);
    server.on('error', end);
    client.on('close', end);
    server.on('close', end);
  });

  const control = createHttpServer((req, res) => {
    void handleControl(req, res).catch((error: unknown) => reply(res, 500, { message: String(error) }));
  });

  function state(): FaultState {
    return {
      open: connections.size,
      ...counters,
      faults: {
        refuse,
        latencyMs,
        cutAfterBytes: cutAfter ? { ...cutAfter } : null,
        swallow: swallow ? { ...swallow } : null,
      },
    };
  }

  function reset(): void {
    refuse = false;
    latencyMs = 0;
    cutAfter = null;
    swallow = null;
  }

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (!text) return {};
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  const nonNegative = (value: unknown, name: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer`);
    return n;
  };

  async function handleControl(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/state') return reply(res, 200, state());
    if (req.method !== 'POST') return reply(res, 405, { message: 'use POST' });
    let body: Record<string, unknown>;
    try {
      body = await readJson(req);
    } catch {
      return reply(res, 400, { message: 'body must be JSON' });
    }
    try {
      switch (path) {
        case '/cut':
          return reply(res, 200, { cut: cutAll(), state: state() });
        case '/cut-after-bytes': {
          const direction = (body.direction ?? 'both') as Direction;
          if (!['both', 'to-server', 'to-client'].includes(direction)) throw new RangeError('bad direction');
          api.cutAfterBytes(nonNegative(body.bytes, 'bytes'), direction);
          return reply(res, 200, state());
        }
        case '/swallow':
          api.swallowNext({
            match: typeof body.match === 'string' ? body.match : null,
            skip: body.skip === undefined ? 0 : nonNegative(body.skip, 'skip'),
            times: body.times === undefined ? 1 : nonNegative(body.times, 'times'),
            drop: body.drop === true,
            thenDown: body.thenDown === true,
          });
          return reply(res, 200, state());
        case '/latency':
          api.setLatency(nonNegative(body.ms, 'ms'));
          return reply(res, 200, state());
        case '/refuse':
          api.setRefuse(body.refuse !== false);
          return reply(res, 200, state());
        case '/reset':
          reset();
          return reply(res, 200, state());
        default:
          return reply(res, 404, { message: `no control route ${path}` });
      }
    } catch (error) {
      return reply(res, 400, { message: error instanceof Error ? error.message : String(error) });
    }
  }

  const listen = (server: Server | ReturnType<typeof createHttpServer>, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(proxy, options.port ?? 0);
  const controlPort = await listen(control, options.controlPort ?? 0);

  const api: FaultProxy = {
    port,
    controlUrl: `http://${host}:${controlPort}`,
    proxiedUrl(databaseUrl: string) {
      const url = new URL(databaseUrl);
      url.hostname = host;
      url.port = String(port);
      return url.toString();
    },
    state,
    cutAll,
    cutAfterBytes(bytes, direction = 'both') {
      cutAfter = { remaining: bytes, direction };
    },
    swallowNext(rule = {}) {
      const times = rule.times ?? 1;
      swallow =
        times > 0
          ? {
              match: rule.match ? rule.match.toLowerCase() : null,
              skip: rule.skip ?? 0,
              remaining: times,
              drop: rule.drop ?? false,
              thenDown: rule.thenDown ?? false,
            }
          : null;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setRefuse(value) {
      refuse = value;
    },
    reset,
    async close() {
      reset();
      cutAll();
      control.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => proxy.close(() => resolve())),
        new Promise<void>((resolve) => control.close(() => resolve())),
      ]);
    },
  };
  return api;
}
