/**
 * SORT (RFC 5256 §3; DISPLAYFROM/DISPLAYTO RFC 5957). Keys are computed once per message (headers
 * read in parallel only when a key needs them), then compared in criteria order; ties go to the
 * lower sequence number (RFC 5256 §3: "ordered by ... sequence number"). Strings compare with
 * i;ascii-casemap (the key functions lower-case them).
 */
import { limits } from '@tandem/config';
import type { SortCriterion } from '../wire/search-key.js';
import {
  displayAddressKey, headerAddresses, sentDate, sortAddressKey, sortSubjectKey,
} from '../mime/header-fields.js';
import type { MessageHeader, MessageSource } from './message-source.js';
import { parallelMap } from './parallel-map.js';
import { TimeSlice } from './time-slice.js';
import type { SelectedMessage, ViewMessage } from './selected-mailbox.js';

type Key = string | number;

export async function sortMessages(
  found: readonly SelectedMessage[], criteria: readonly SortCriterion[], source: MessageSource,
  pathOf: (m: ViewMessage) => string | undefined,
): Promise<SelectedMessage[]> {
  const needsHeader = criteria.some((c) => c.key !== 'ARRIVAL' && c.key !== 'SIZE');
  const slice = new TimeSlice();
  const keyed = await parallelMap(found, limits.imapReadsInFlightMax, async (t) => {
    await slice.pause(); // cached headers resolve at once: give other sessions their turn
    const path = needsHeader ? pathOf(t.message) : undefined;
    const header = path === undefined ? null : await source.header(path);
    return { t, keys: criteria.map((c) => sortKey(c.key, t, header)) };
  });
  keyed.sort((a, b) => {
    for (let i = 0; i < criteria.length; i++) {
      const x = a.keys[i]!;
      const y = b.keys[i]!;
      const cmp = x < y ? -1 : x > y ? 1 : 0;
      if (cmp !== 0) return criteria[i]!.reverse ? -cmp : cmp;
    }
    return a.t.seq - b.t.seq;
  });
  return keyed.map((k) => k.t);
}

function sortKey(key: SortCriterion['key'], t: SelectedMessage, h: MessageHeader | null): Key {
  const m = t.message;
  switch (key) {
    case 'ARRIVAL': return m.internalDateMs;
    case 'SIZE': return m.sizeBytes;
    // RFC 5256 §3 DATE: the sent date, or the internal date when it cannot be read.
    case 'DATE': return (h ? sentDate(h.buf, h.header)?.epochMs : undefined) ?? m.internalDateMs;
    case 'SUBJECT': return h ? sortSubjectKey(h.buf, h.header) : '';
    case 'FROM': return h ? sortAddressKey(headerAddresses(h.buf, h.header, 'from')) : '';
    case 'TO': return h ? sortAddressKey(headerAddresses(h.buf, h.header, 'to')) : '';
    case 'CC': return h ? sortAddressKey(headerAddresses(h.buf, h.header, 'cc')) : '';
    case 'DISPLAYFROM': return h ? displayAddressKey(headerAddresses(h.buf, h.header, 'from')) : '';
    case 'DISPLAYTO': return h ? displayAddressKey(headerAddresses(h.buf, h.header, 'to')) : '';
  }
}
