/** Minimal structured logger the runtimes accept (pino's methods fit it); the default logs nothing. */
export interface RuntimeLogger {
  debug(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
}

export const silentLogger: RuntimeLogger = { debug() {} };
