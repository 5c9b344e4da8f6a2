export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** One JSON object per line, always carrying the request id when there is one. */
export function createLogger(base: Record<string, unknown>, minLevel: LogLevel = 'info'): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}

/** The same logger, with more fields on every line. */
export function withFields(logger: Logger, extra: Record<string, unknown>): Logger {
  return {
    debug: (msg, fields) => logger.debug(msg, { ...extra, ...fields }),
    info: (msg, fields) => logger.info(msg, { ...extra, ...fields }),
    warn: (msg, fields) => logger.warn(msg, { ...extra, ...fields }),
    error: (msg, fields) => logger.error(msg, { ...extra, ...fields }),
  };
}
