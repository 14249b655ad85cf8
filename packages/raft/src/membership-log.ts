// Which configuration is in effect at each point of the log. A member uses the latest configuration
// in its log, committed or not (thesis §4.1), so truncating a conflicting suffix can roll it back.
import type { Entry } from './entry.js';
import type { Membership } from './membership.js';
import { cloneMembership } from './membership.js';
import { applyConfChange, decodeConfChange } from './conf-change.js';
import { RaftInvariantError } from './raft-errors.js';

interface MembershipAt {
  /** Index of the confChange entry (or of the snapshot / storage base). */
  index: number;
  membership: Membership;
}

export class MembershipLog {
  /** Ascending by index; history[0] is the base (snapshot) configuration. */
  private history: MembershipAt[];

  constructor(baseIndex: number, base: Membership) {
    this.history = [{ index: baseIndex, membership: cloneMembership(base) }];
  }

  current(): Membership {
    return (this.history[this.history.length - 1] as MembershipAt).membership;
  }

  /** Index of the entry that set the current configuration. */
  currentIndex(): number {
    return (this.history[this.history.length - 1] as MembershipAt).index;
  }

  /** The configuration in effect at `index` (at or after the base). */
  at(index: number): Membership {
    for (let i = this.history.length - 1; i >= 0; i--) {
      const h = this.history[i] as MembershipAt;
      if (h.index <= index) return h.membership;
    }
    return (this.history[0] as MembershipAt).membership;
  }

  /** Entries were appended from ents[0].index on, replacing anything after it. */
  onAppend(ents: readonly Entry[]): void {
    const first = ents[0];
    if (first === undefined) return;
    const base = this.history[0] as MembershipAt;
    if (first.index <= base.index) throw new RaftInvariantError(`append at ${first.index} below base ${base.index}`);
    this.history = this.history.filter((h, i) => i === 0 || h.index < first.index);
    for (const e of ents) {
      if (e.type !== 'confChange') continue;
      const next = applyConfChange(this.current(), decodeConfChange(e.data));
      this.history.push({ index: e.index, membership: next });
    }
  }

  /** A snapshot replaced the log. */
  reset(index: number, membership: Membership): void {
    this.history = [{ index, membership: cloneMembership(membership) }];
  }
}
