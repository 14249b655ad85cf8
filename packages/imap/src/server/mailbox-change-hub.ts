/**
 * Routes the store's change events (StoreReader.events 'change') to the sessions that have the
 * changed mailbox selected, with ONE listener on the store however many sessions there are.
 * Events arrive synchronously after each commit (packages/store mail-store.ts), before the
 * proposer's propose() resolves, so a session sees its own change in its view by the time its
 * command continues.
 *
 * An expunge also drops the message's MessageCache entry (`forgetFile`): the views know the file's
 * path, the store no longer does once it has applied the expunge. An expunge in a mailbox no
 * session has selected leaves its entry to age out of the bounded cache; file names are never
 * reused, so such an entry can never be served for another message.
 */
import type { StoreChange, StoreReader } from '@tandem/store';
import type { SelectedMailbox } from './selected-mailbox.js';

export class MailboxChangeHub {
  private readonly views = new Map<string, Set<SelectedMailbox>>();
  /**
   * The mailbox of the last change routed: a STORE over 10,000 messages is 10,000 changes to the
   * same mailbox in a row, and this spares building and hashing its key for each.
   */
  private last: { user: string; mailbox: string; set: Set<SelectedMailbox> | undefined } | null = null;
  private readonly listener = (change: StoreChange): void => this.route(change);
  private attached = false;

  constructor(private readonly reader: StoreReader, private readonly forgetFile: (path: string) => void = () => {}) {}

  attach(): void {
    if (this.attached) return;
    this.reader.events.on('change', this.listener);
    this.attached = true;
  }

  detach(): void {
    if (!this.attached) return;
    this.reader.events.off('change', this.listener);
    this.attached = false;
  }

  add(view: SelectedMailbox): void {
    const key = viewKey(view.user, view.name);
    let set = this.views.get(key);
    if (!set) this.views.set(key, (set = new Set()));
    set.add(view);
    this.last = null;
  }

  remove(view: SelectedMailbox): void {
    const key = viewKey(view.user, view.name);
    const set = this.views.get(key);
    if (!set) return;
    set.delete(view);
    if (set.size === 0) this.views.delete(key);
    this.last = null;
  }

  /** Sessions with this mailbox selected (tests and status). */
  viewCount(user: string, mailbox: string): number {
    return this.views.get(viewKey(user, mailbox))?.size ?? 0;
  }

  private route(change: StoreChange): void {
    const last = this.last;
    let set: Set<SelectedMailbox> | undefined;
    if (last !== null && last.user === change.user && last.mailbox === change.mailbox) {
      set = last.set;
    } else {
      set = this.views.get(viewKey(change.user, change.mailbox));
      this.last = { user: change.user, mailbox: change.mailbox, set };
    }
    if (!set) return;
    if (change.type === 'message.expunged') {
      for (const view of set) {
        const path = view.pathOfUid(change.uid);
        if (path !== undefined) { this.forgetFile(path); break; }
      }
    }
    for (const view of set) view.applyChange(change);
  }
}

function viewKey(user: string, mailbox: string): string {
  return `${user}\u0000${mailbox}`;
}
