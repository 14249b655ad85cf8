/**
 * Cooperative time slicing for commands that work through many messages (SEARCH, SORT, THREAD,
 * FETCH of a large set). All sessions share one event loop: a SEARCH SUBJECT over 10,000 messages
 * that ran to the end in one go would hold every other session's NOOP for its whole duration.
 * Such loops call `pause()` now and then; once the slice has lasted `sliceMs` it waits for
 * setImmediate, which lets pending I/O (other sessions' commands, socket writes) run first.
 *
 * Sequence numbers stay put while a command is paused: other sessions' changes only reach the
 * client's view in announce(), between commands (selected-mailbox.ts).
 */
import { setImmediate as immediate } from 'node:timers/promises';

/** Long enough that the yield costs little, short enough that a NOOP behind it stays quick. */
export const defaultSliceMs = 4;

export class TimeSlice {
  private startMs = performance.now();
  /** How many times the work gave way (tests). */
  yields = 0;

  constructor(readonly sliceMs: number = defaultSliceMs) {}

  /** True when the slice is used up (the next pause() will wait). */
  get expired(): boolean {
    return performance.now() - this.startMs >= this.sliceMs;
  }

  /** Resolves at once within the slice; past it, after the event loop has run other work. */
  async pause(): Promise<void> {
    if (!this.expired) return;
    this.yields++;
    await immediate();
    this.startMs = performance.now();
  }
}
