import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

export interface WsProxyOptions {
  /** Hosts reachable besides loopback; anything else is refused so this is no open proxy. */
  allowedHosts?: readonly string[];
  connectTimeoutMillis?: number;
  log?: (event: Record<string, unknown>) => void;
}

export interface WsProxy {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Tunnels whose WebSocket or TCP side is not closed yet. */
  openTunnels(): number;
  close(): Promise<void>;
}

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface TerminateWatcher {
  /**
   * Feeds client→server bytes. `forward` is what to send on; `terminated`
   * means it ends with the client's Terminate and nothing after it counts.
   */
  push(chunk: Buffer): { forward: Buffer; terminated: boolean };
  /** Feeds server→client bytes, to learn whether encryption started. */
  server(chunk: Buffer): void;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const TERMINATE = 0x58;
// The driver's default wsProxy is `host + '/v2'`; a bare string gets `?address=` appended.
const PROXY_PATHS = new Set(['/', '/v1', '/v2']);
const HIGH_WATER = 1024 * 1024;
const CLOSE_GRACE_MILLIS = 1_000;

/**
 * Follows PostgreSQL frontend message boundaries: the untyped startup
 * packets first, then type byte + int32 length. A Terminate counts only at a
 * boundary, never as an 'X' inside some other message.
 */
export function createTerminateWatcher(): TerminateWatcher {
  let phase: 'startup' | 'await-encryption-reply' | 'typed' | 'opaque' = 'startup';
  let header = Buffer.alloc(0);
  let skip = 0;

  function push(chunk: Buffer): { forward: Buffer; terminated: boolean } {
    let i = 0;
    while (i < chunk.length) {
      if (phase === 'opaque') break;
      if (phase === 'await-encryption-reply') {
        // Bytes before the server's answer mean a pipelined TLS handshake.
        phase = 'opaque';
        break;
      }
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const need = phase === 'startup' ? 8 : 5;
      const take = Math.min(need - header.length, chunk.length - i);
      header = Buffer.concat([header, chunk.subarray(i, i + take)]);
      i += take;
      if (header.length < need) break;
      if (phase === 'startup') {
        const length = header.readInt32BE(0);
        const code = header.readInt32BE(4);
        header = Buffer.alloc(0);
        if (length < 8 || length > 10_000) {
          phase = 'opaque';
          break;
        }
        skip = length - 8;
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) phase = 'await-encryption-reply';
        else if (code === CANCEL_REQUEST) phase = 'opaque';
        else phase = 'typed';
      } else {
        const type = header[0];
        const length = header.readInt32BE(1);
        header = Buffer.alloc(0);
        if (length < 4) {
          phase = 'opaque';
          break;
        }
        if (type === TERMINATE && length === 4) {
          phase = 'opaque';
          return { forward: chunk.subarray(0, i), terminated: true };
        }
        skip = length - 4;
      }
    }
    return { forward: chunk, terminated: false };
  }

  function server(chunk: Buffer): void {
    if (phase !== 'await-encryption-reply' || chunk.length === 0) return;
    // 'N' refuses encryption and the client sends its startup in clear;
    // after 'S' or 'G' the bytes are encrypted and cannot be followed.
    phase = chunk[0] === 0x4e ? 'startup' : 'opaque';
  }

  return { push, server };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h.startsWith('::ffff:127.');
  return false;
}

/** Reads `host:port` (or `[v6]:port`) from `/v2?address=...`; null when malformed. */
export function parseProxyTarget(url: string): ProxyTarget | null {
  const parsed = new URL(url, 'http://localhost');
  const path = parsed.pathname.length > 1 ? parsed.pathname.replace(/\/$/, '') : parsed.pathname;
  const address = parsed.searchParams.get('address');
  if (!PROXY_PATHS.has(path) || address === null) return null;
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return null;
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (host === '' || !Number.isInteger(port) || port < 1 || port > 65_535) return null;
  return { host, port };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function createWsProxy(opts: WsProxyOptions = {}): WsProxy {
  const allowed = new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const connectTimeoutMillis = opts.connectTimeoutMillis ?? 10_000;
  const log = opts.log ?? (() => {});
  const wss = new WebSocketServer({ noServer: true });
  const tunnels = new Set<{ ws: WebSocket; tcp: Socket }>();

  function open(ws: WebSocket, target: ProxyTarget): void {
    const tcp = new Socket();
    const tunnel = { ws, tcp };
    const watcher = createTerminateWatcher();
    let wsClosed = false;
    let tcpClosed = false;
    let terminated = false;
    tunnels.add(tunnel);

    const settle = () => {
      if (wsClosed && tcpClosed) tunnels.delete(tunnel);
    };
    // Close handshakes need the peer's help; do not wait for it forever.
    const forceLater = (fn: () => void) => setTimeout(fn, CLOSE_GRACE_MILLIS).unref();

    tcp.setNoDelay(true);
    tcp.setTimeout(connectTimeoutMillis, () => tcp.destroy(new Error('connect timeout')));
    tcp.once('connect', () => tcp.setTimeout(0));
    tcp.connect(target.port, target.host);

    tcp.on('data', (data: Buffer) => {
      watcher.server(data);
      ws.send(data, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) tcp.resume();
      });
      if (ws.bufferedAmount > HIGH_WATER) tcp.pause();
    });
    tcp.on('error', (error) => log({ event: 'ws-proxy-tcp-error', target, message: error.message }));
    tcp.on('close', (hadError) => {
      tcpClosed = true;
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
        ws.close(hadError && !terminated ? 1011 : 1000);
        forceLater(() => ws.terminate());
      }
      settle();
    });

    ws.on('message', (data) => {
      if (terminated) return;
      const { forward, terminated: done } = watcher.push(toBuffer(data));
      if (done) {
        // PGlite keeps a connection after Terminate and workerd keeps the
        // WebSocket after pool.end(): without this each request leaks one.
        terminated = true;
        tcp.end(forward);
        forceLater(() => tcp.destroy());
        ws.close(1000);
        forceLater(() => ws.terminate());
      } else if (!tcp.write(forward) && !ws.isPaused) {
        ws.pause();
        tcp.once('drain', () => ws.resume());
      }
    });
    ws.on('error', (error) => log({ event: 'ws-proxy-ws-error', target, message: error.message }));
    ws.on('close', () => {
      wsClosed = true;
      if (!tcp.destroyed) {
        tcp.end();
        forceLater(() => tcp.destroy());
      }
      settle();
    });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // node:http drops its own error listener from upgraded sockets; a reset
    // with none attached would crash the process.
    socket.on('error', (error) => log({ event: 'ws-proxy-socket-error', message: error.message }));
    const target = parseProxyTarget(req.url ?? '/');
    if (target === null) {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    if (!isLoopbackHost(target.host) && !allowed.has(target.host.toLowerCase())) {
      log({ event: 'ws-proxy-refused', target });
      refuse(socket, 403, 'Forbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => open(ws, target));
  }

  async function close(): Promise<void> {
    for (const { ws, tcp } of tunnels) {
      tcp.destroy();
      ws.terminate();
    }
    tunnels.clear();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  return { handleUpgrade, openTunnels: () => tunnels.size, close };
}
