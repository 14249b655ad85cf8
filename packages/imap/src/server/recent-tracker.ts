/**
 * \Recent (RFC 3501 §2.3.2): a message is recent in exactly one session, the first to be told
 * about it with the mailbox opened read-write. The flag is a session notion (RFC 9051 dropped it),
 * so it is kept in memory per server: for each mailbox, the first UID no session has claimed yet.
 * A mailbox nobody has opened since the server started has its floor at UIDNEXT: after a restart
 * nothing is recent (allowed: RFC 3501 only promises "at most one session").
 */
export class RecentTracker {
  private readonly floors = new Map<string, number>();

  /** Called at SELECT: remembers the floor the first time, so later arrivals become recent. */
  open(user: string, mailbox: string, uidNext: number): void {
    const key = trackerKey(user, mailbox);
    if (!this.floors.has(key)) this.floors.set(key, uidNext);
  }

  /** The UIDs (ascending) this session is the first to see; they are recent for it alone. */
  claim(user: string, mailbox: string, uids: readonly number[]): Set<number> {
    const key = trackerKey(user, mailbox);
    const floor = this.floors.get(key);
    const claimed = new Set<number>();
    if (floor === undefined) return claimed;
    let next = floor;
    for (const uid of uids) {
      if (uid >= floor) {
        claimed.add(uid);
        if (uid >= next) next = uid + 1;
      }
    }
    this.floors.set(key, next);
    return claimed;
  }

  /** Forgets a mailbox that was deleted or renamed (its UIDVALIDITY changes). */
  forget(user: string, mailbox: string): void {
    this.floors.delete(trackerKey(user, mailbox));
  }

  /** STATUS RECENT: how many messages no session has claimed yet. */
  unclaimedCount(user: string, mailbox: string, uids: readonly number[]): number {
    const floor = this.floors.get(trackerKey(user, mailbox));
    if (floor === undefined) return 0;
    let n = 0;
    for (const uid of uids) if (uid >= floor) n++;
    return n;
  }
}

function trackerKey(user: string, mailbox: string): string {
  return `${user}\u0000${mailbox}`;
}
