/**
 * Counts sessions per client address and per user (limits.imapSessionsPerIpMax,
 * imapSessionsPerUserMax, imapSessionsMax). Pure bookkeeping; the server and the login handlers
 * decide what to answer when a bound is reached.
 */
export interface ConnectionLimitValues {
  sessionsMax: number;
  sessionsPerIpMax: number;
  sessionsPerUserMax: number;
}

export class ConnectionLimits {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly perUser = new Map<string, number>();

  constructor(readonly values: ConnectionLimitValues) {}

  get sessions(): number { return this.total; }

  /** Takes a slot for a new connection, or says which bound is reached. */
  openConnection(ip: string): 'ok' | 'total' | 'ip' {
    if (this.total >= this.values.sessionsMax) return 'total';
    const n = this.perIp.get(ip) ?? 0;
    if (n >= this.values.sessionsPerIpMax) return 'ip';
    this.perIp.set(ip, n + 1);
    this.total++;
    return 'ok';
  }

  closeConnection(ip: string): void {
    const n = (this.perIp.get(ip) ?? 0) - 1;
    if (n > 0) this.perIp.set(ip, n); else this.perIp.delete(ip);
    this.total = Math.max(0, this.total - 1);
  }

  /** Takes a slot for a logged-in session of `user`; false when the user has too many. */
  openUser(user: string): boolean {
    const n = this.perUser.get(user) ?? 0;
    if (n >= this.values.sessionsPerUserMax) return false;
    this.perUser.set(user, n + 1);
    return true;
  }

  closeUser(user: string): void {
    const n = (this.perUser.get(user) ?? 0) - 1;
    if (n > 0) this.perUser.set(user, n); else this.perUser.delete(user);
  }
}
