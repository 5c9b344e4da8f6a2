import { type Extensions, PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgresOptions {
  /** Directory to keep the data in; undefined keeps it in memory. */
  dataDir?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /**
   * Simultaneous client connections. pglite-socket defaults to 1, which a
   * pg.Pool (plus WebSocket tunnels) would exhaust at once.
   */
  maxConnections?: number;
  /** PGlite extension modules (e.g. from `@electric-sql/pglite/contrib/*`) for CREATE EXTENSION. */
  extensions?: Extensions;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Client connections the socket server holds right now. */
  activeConnections(): number;
  close(): Promise<void>;
}

const FRONTEND = { query: 0x51, sync: 0x53 } as const;
// Parse, Bind, Describe, Execute, Close, Flush: an extended-protocol cycle is open until Sync.
const CYCLE_MESSAGES = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);

/**
 * pglite-socket runs one protocol message at a time and keeps the other connections waiting
 * only while a transaction is open. Outside one, two connections' extended-protocol cycles
 * interleave on the single backend: one's Bind meets the other's unnamed statement ("portal
 * does not exist", "unnamed prepared statement does not exist", or the wrong statement run).
 * Reporting an open cycle as a transaction keeps each cycle whole.
 */
function wholeProtocolCycles(db: PGlite): PGlite {
  let cycleOpen = false;
  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') return () => cycleOpen || target.isInTransaction();
      if (property === 'execProtocolRawStream') {
        return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
          const type = message[0] ?? 0;
          if (CYCLE_MESSAGES.has(type)) cycleOpen = true;
          else if (type === FRONTEND.sync || type === FRONTEND.query) cycleOpen = false;
          return target.execProtocolRawStream(message, options);
        };
      }
      // The server's only exec is the ROLLBACK for a connection that left mid-way.
      if (property === 'exec') {
        return (...args: Parameters<PGlite['exec']>) => {
          cycleOpen = false;
          return target.exec(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * PGlite (one single-user backend) behind a PostgreSQL wire-protocol socket.
 * Connections are multiplexed onto that one backend and run one message at
 * a time; an open transaction holds everybody else back until it ends.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const host = opts.host ?? '127.0.0.1';
  const db = await PGlite.create({ dataDir: opts.dataDir, extensions: opts.extensions });
  const server = new PGLiteSocketServer({
    db: wholeProtocolCycles(db),
    host,
    port: opts.port ?? 0,
    maxConnections: opts.maxConnections ?? 100,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

  async function close(): Promise<void> {
    await server.stop();
    // stop() detaches handlers without awaiting their rollback of an open
    // transaction; let those run before the database goes away.
    await new Promise((resolve) => setImmediate(resolve));
    await db.close();
  }

  return {
    // PGlite accepts any user, password and database name; these mirror a stock server.
    url: `postgres://postgres:postgres@${authority}/postgres`,
    port,
    activeConnections: () => server.getStats().activeConnections,
    close,
  };
}
