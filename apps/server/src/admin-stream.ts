/**
 * An admin operation's answer that is bytes, not JSON: a backup (`tandem backup create`), which
 * may be far larger than memory. admin-server.ts sends it as application/octet-stream with these
 * headers, at the pace the client reads, and calls close() however the sending ends.
 */
export class AdminStream {
  constructor(
    readonly headers: Readonly<Record<string, string>>,
    readonly bytes: AsyncIterable<Buffer>,
    readonly close: () => Promise<void>,
  ) {}
}
