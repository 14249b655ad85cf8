/**
 * The Date header (RFC 5322 §3.3, with the obsolete forms of §4.3) for SEARCH SENT* and SORT DATE.
 * Forgiving: day names, comments, seconds and the zone are optional; two-digit years follow
 * RFC 5322 §4.3 (00-49 → 20xx, 50-99 → 19xx); named zones map to their offsets and military
 * zones to +0000 (§4.3 says their meaning is unknown). Returns null when no date can be read.
 */

export interface MessageDate {
  /** The instant, milliseconds since the epoch (UTC). */
  readonly epochMs: number;
  /** The date as written in the message's own zone (SENTON compares this, RFC 9051 §6.4.4). */
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
  readonly zoneMinutes: number;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// RFC 5322 §4.3 obs-zone.
const namedZones: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
};

/** Splits into words and numbers, dropping comments, commas and white space. */
function tokens(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  const push = (): void => {
    if (current) out.push(current);
    current = '';
  };
  for (let i = 0; i < value.length && out.length < 16; i++) {
    const c = value[i]!;
    if (c === '(') { push(); depth++; continue; }
    if (c === ')') { if (depth > 0) depth--; continue; }
    if (depth > 0) continue;
    if (c === ' ' || c === '\t' || c === ',' || c === '\r' || c === '\n') { push(); continue; }
    if ((c === '+' || c === '-') && current.includes(':') && /^[0-9:]+$/.test(current)) push(); // "12:00:00+0100"
    current += c;
  }
  push();
  return out;
}

function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

export function parseMessageDate(value: string): MessageDate | null {
  let t = tokens(value);
  if (t.length > 0 && /^[a-z]{3,}$/i.test(t[0]!) && !monthNames.includes(t[0]!.slice(0, 3).toLowerCase())) t = t.slice(1); // day name
  if (t.length < 4) return null;
  let dayText = t[0]!;
  let monthText = t[1]!;
  if (!isDigits(dayText) && isDigits(monthText)) [dayText, monthText] = [monthText, dayText]; // "Jan 5 2020"
  const month = monthNames.indexOf(monthText.slice(0, 3).toLowerCase()) + 1;
  if (!isDigits(dayText) || month === 0) return null;
  const day = Number(dayText);
  let yearText = t[2]!;
  let timeText = t[3]!;
  let zoneIndex = 4;
  if (yearText.includes(':') && isDigits(t[3] ?? '')) { [yearText, timeText] = [t[3]!, t[2]!]; } // asctime-like
  if (!isDigits(yearText)) return null;
  let year = Number(yearText);
  if (yearText.length <= 2) year += year < 50 ? 2000 : 1900;
  else if (yearText.length === 3) year += 1900;
  const time = /^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?$/.exec(timeText);
  if (!time) { zoneIndex = 3; }
  const hour = time ? Number(time[1]) : 0;
  const minute = time ? Number(time[2]) : 0;
  const second = time && time[3] ? Number(time[3]) : 0;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 || year > 9999) return null;
  const zoneMinutes = parseZone(t[zoneIndex]);
  const localMs = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  if (Number.isNaN(localMs)) return null;
  return { epochMs: localMs - zoneMinutes * 60_000, year, month, day, zoneMinutes };
}

function parseZone(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^([+-])([0-9]{2})([0-9]{2})$/.exec(text);
  if (m) {
    const minutes = Number(m[2]) * 60 + Number(m[3]);
    return m[1] === '-' && minutes > 0 ? -minutes : minutes; // "-0000": zone unknown, taken as UTC
  }
  return namedZones[text.toLowerCase()] ?? 0;
}
