/**
 * IMAP dates (RFC 9051 §9): `date` for SEARCH (e.g. 1-Feb-2024) and `date-time` for APPEND and
 * INTERNALDATE (e.g. " 1-Feb-2024 13:05:00 +0100"). Pure: no clock is read.
 */

/** A calendar date without time or zone (SEARCH BEFORE/ON/SINCE compare dates only, RFC 9051 §6.4.4). */
export interface ImapDate {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
}

export interface ImapDateTime {
  /** The instant, milliseconds since the epoch. */
  readonly epochMs: number;
  /** The zone the client wrote, in minutes east of UTC. */
  readonly zoneMinutes: number;
}

export const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Month number 1-12 from a case-insensitive three-letter name, or 0. */
export function monthFromName(name: string): number {
  const lower = name.toLowerCase();
  for (let i = 0; i < 12; i++) if (monthNames[i]!.toLowerCase() === lower) return i + 1;
  return 0;
}

export function isValidCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** Parses "d-Mon-yyyy" (date-text). Returns null when malformed or not a real date. */
export function parseDateText(text: string): ImapDate | null {
  const m = /^([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})$/.exec(text);
  if (!m) return null;
  const day = Number(m[1]);
  const month = monthFromName(m[2]!);
  const year = Number(m[3]);
  if (month === 0 || !isValidCalendarDate(year, month, day)) return null;
  return { year, month, day };
}

/** Parses the inside of a date-time string: "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be " d"). */
export function parseDateTimeText(text: string): ImapDateTime | null {
  const m = /^([ 0-9][0-9])-([A-Za-z]{3})-([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (!m) return null;
  const day = Number(m[1]!.trim());
  const month = monthFromName(m[2]!);
  const year = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const zoneHours = Number(m[8]);
  const zoneMins = Number(m[9]);
  if (month === 0 || !isValidCalendarDate(year, month, day)) return null;
  if (hour > 23 || minute > 59 || second > 60 || zoneMins > 59) return null;
  const zoneMinutes = (m[7] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMins);
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) - zoneMinutes * 60_000;
  return { epochMs, zoneMinutes };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** INTERNALDATE as the server writes it: "01-Jan-2024 00:00:00 +0000" in the given zone. */
export function formatDateTime(epochMs: number, zoneMinutes = 0): string {
  const local = new Date(epochMs + zoneMinutes * 60_000);
  const sign = zoneMinutes < 0 ? '-' : '+';
  const abs = Math.abs(zoneMinutes);
  return `${pad2(local.getUTCDate())}-${monthNames[local.getUTCMonth()]}-${local.getUTCFullYear()} `
    + `${pad2(local.getUTCHours())}:${pad2(local.getUTCMinutes())}:${pad2(local.getUTCSeconds())} `
    + `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

/** Compares calendar dates: negative, 0 or positive. */
export function compareDates(a: ImapDate, b: ImapDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/** The calendar date of an instant in a zone (SEARCH BEFORE/ON/SINCE use the internal date's). */
export function dateOf(epochMs: number, zoneMinutes = 0): ImapDate {
  const d = new Date(epochMs + zoneMinutes * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
