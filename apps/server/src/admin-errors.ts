/**
 * A failed admin request: the HTTP status, a stable code the CLI can act on, and a message that
 * says what to do. Everything else that goes wrong in a request is a 500 with the error logged.
 */
export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
  constructor(readonly httpStatus: number, readonly code: string, message: string) {
    super(message);
  }
}
