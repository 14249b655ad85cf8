/**
 * Routes the store's change events (StoreReader.events 'change') to the sessions that have the
 * changed mailbox selected, with ONE listener on the store however many sessions there are.
 * Events arrive synchronously after each commit (packages/store mail-store.ts), before the
 * proposer's propose() resolves, so a session sees its own change in its view by the time its
 * command continues.
 */
import type { StoreChange, StoreReader } from '@tandem/store';
import type { SelectedMailbox } from './selected-mailbox.js';

export class MailboxChangeHub {
  private readonly views = new Map<string, Set<SelectedMailbox>>();
  private readonly listener = (change: StoreChange): void => this.route(change);
  private attached = false;

  constructor(private readonly reader: StoreReader) {}

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
  }

  remove(view: SelectedMailbox): void {
    const key = viewKey(view.user, view.name);
    const set = this.views.get(key);
    if (!set) return;
    set.delete(view);
    if (set.size === 0) this.views.delete(key);
  }

  /** Sessions with this mailbox selected (tests and status). */
  viewCount(user: string, mailbox: string): number {
    return this.views.get(viewKey(user, mailbox))?.size ?? 0;
  }

  private route(change: StoreChange): void {
    const set = this.views.get(viewKey(change.user, change.mailbox));
    if (!set) return;
    for (const view of set) view.applyChange(change);
  }
}

function viewKey(user: string, mailbox: string): string {
  return `${user}\u0000${mailbox}`;
}
