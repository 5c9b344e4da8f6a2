/** Least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** One JSON object per line, always carrying the request id when there is one. */
export function createLogger(base: Record<string, unknown>, minLevel: LogLevel = 'info'): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(minLevel)) return;
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
