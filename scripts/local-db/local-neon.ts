import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createSqlHandler, type SqlObserverHooks } from './neon-http';
import { createWsProxy } from './ws-proxy';

export interface LocalNeonOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  poolMax?: number;
  connectionTimeoutMillis?: number;
  idleTimeoutMillis?: number;
  /** Non-loopback hosts the WebSocket door may reach. */
  allowedHosts?: readonly string[];
  log?: (event: Record<string, unknown>) => void;
  /** Opt-in counters for the benchmark: each /sql request (arrival, answer), each WebSocket tunnel opened. */
  observe?: { sql?: SqlObserverHooks; tunnel?: () => void };
}

export interface LocalNeon {
  port: number;
  /** For `neonConfig.fetchEndpoint`, e.g. http://127.0.0.1:PORT/sql */
  httpEndpoint: string;
  /** For `neonConfig.wsProxy`: `${wsProxyHost}/v2?address=${host}:${port}` */
  wsProxyHost: string;
  openTunnels(): number;
  close(): Promise<void>;
}

/** One HTTP server, two doors: `POST /sql` (neon()) and WebSocket `/v2` (Pool/Client). */
export async function startLocalNeon(opts: LocalNeonOptions = {}): Promise<LocalNeon> {
  const host = opts.host ?? '127.0.0.1';
  const sql = createSqlHandler({
    poolMax: opts.poolMax,
    connectionTimeoutMillis: opts.connectionTimeoutMillis,
    idleTimeoutMillis: opts.idleTimeoutMillis,
    log: opts.log,
    observe: opts.observe?.sql,
  });
  const proxy = createWsProxy({ allowedHosts: opts.allowedHosts, log: opts.log });
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    void sql.handle(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    opts.observe?.tunnel?.();
    proxy.handleUpgrade(req, socket, head);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

  async function close(): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([proxy.close(), sql.close()]);
    // Keep-alive and upgraded sockets would otherwise hold server.close() open.
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  return {
    port,
    httpEndpoint: `http://${authority}/sql`,
    wsProxyHost: authority,
    openTunnels: proxy.openTunnels,
    close,
  };
}
