/**
 * The base subject of RFC 5256 §2.1, used by SORT SUBJECT and THREAD (ORDEREDSUBJECT, REFERENCES).
 * Input is the subject already decoded to text (decodeHeaderText). Matching is
 * i;ascii-casemap; the result keeps the original case (comparison lower-cases it).
 * Hand-written scanning over start/end indices, no regular expressions and no re-slicing per step,
 * so hostile subjects ("Re: " x 20000, "[a]" x 20000) stay linear.
 */

export interface BaseSubject {
  readonly baseSubject: string;
  /** A "re:", "fw:", "fwd:", "(fwd)" or "[fwd: ...]" was removed (RFC 5256 §2.1, used by THREAD). */
  readonly isReplyOrForward: boolean;
}

const isWsp = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** Step 1: tabs and line breaks become spaces, runs of spaces become one. */
function collapseWhiteSpace(subject: string): string {
  const out: string[] = [];
  let lastSpace = false;
  for (const c of subject) {
    const space = c === ' ' || c === '\t' || c === '\r' || c === '\n';
    if (!space) out.push(c);
    else if (!lastSpace) out.push(' ');
    lastSpace = space;
  }
  return out.join('');
}

export function baseSubject(subject: string): BaseSubject {
  const s = collapseWhiteSpace(subject);
  let start = 0;
  let end = s.length;
  let replyOrForward = false;
  for (;;) {
    // Step 2: trailing "(fwd)" and white space.
    for (;;) {
      if (end > start && isWsp(s[end - 1])) end--;
      else if (end - start >= 5 && s.slice(end - 5, end).toLowerCase() === '(fwd)') { end -= 5; replyOrForward = true; }
      else break;
    }
    // Steps 3-5: leading subj-leader (blobs then re/fw/fwd ":"), or white space, or a lone blob.
    for (;;) {
      while (start < end && isWsp(s[start])) start++;
      const leader = skipLeader(s, start, end);
      if (leader.refwdEnd > 0) {
        start = leader.refwdEnd;
        replyOrForward = true;
        continue;
      }
      // No re/fw after the blobs: step 4 removes them one by one while a non-empty base remains,
      // which ends at the last blob when nothing follows it.
      const next = leader.afterBlobs < end ? leader.afterBlobs : leader.lastBlobStart;
      if (next > start) { start = next; continue; }
      break;
    }
    // Step 6: "[fwd:" ... "]".
    if (end - start >= 6 && s.slice(start, start + 5).toLowerCase() === '[fwd:' && s[end - 1] === ']') {
      start += 5;
      end -= 1;
      replyOrForward = true;
      continue;
    }
    break;
  }
  return { baseSubject: s.slice(start, end), isReplyOrForward: replyOrForward };
}

/** subj-blob = "[" *BLOBCHAR "]" *WSP; returns the index after it, or -1. */
function skipBlob(s: string, at: number, end: number): number {
  if (s[at] !== '[') return -1;
  let i = at + 1;
  while (i < end && s[i] !== '[' && s[i] !== ']') i++;
  if (i >= end || s[i] !== ']') return -1;
  i++;
  while (i < end && isWsp(s[i])) i++;
  return i;
}

/** subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; returns the index after it, or -1. */
function skipRefwd(s: string, at: number, end: number): number {
  const lower = s.slice(at, Math.min(at + 3, end)).toLowerCase();
  let i: number;
  if (lower.startsWith('re')) i = at + 2;
  else if (lower === 'fwd') i = at + 3;
  else if (lower.startsWith('fw')) i = at + 2;
  else return -1;
  while (i < end && isWsp(s[i])) i++;
  const blobEnd = skipBlob(s, i, end);
  if (blobEnd > 0) i = blobEnd;
  return i < end && s[i] === ':' ? i + 1 : -1;
}

/** Walks *subj-blob then tries subj-refwd, once (linear in the length walked). */
function skipLeader(s: string, start: number, end: number): { refwdEnd: number; afterBlobs: number; lastBlobStart: number } {
  let i = start;
  let lastBlobStart = start;
  for (;;) {
    const refwd = skipRefwd(s, i, end);
    if (refwd > 0) return { refwdEnd: refwd, afterBlobs: i, lastBlobStart };
    const blob = skipBlob(s, i, end);
    if (blob < 0) return { refwdEnd: -1, afterBlobs: i, lastBlobStart };
    lastBlobStart = i;
    i = blob;
  }
}
