/**
 * The logging the IMAP server needs; pino's Logger fits it. Declared here so packages/imap does not
 * depend on a logging library (the daemon chooses one). Every line a session writes carries its
 * session id (`session`), so one client's story can be followed.
 */
export interface ImapLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Discards everything (the default; tests that look at logs pass their own). */
export const silentLogger: ImapLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
