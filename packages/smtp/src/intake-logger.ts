/**
 * The logging the SMTP intake needs; pino's Logger fits it. Declared here so packages/smtp does not
 * depend on a logging library (the daemon chooses one).
 */
export interface IntakeLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
