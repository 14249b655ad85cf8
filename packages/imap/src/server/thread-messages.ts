/**
 * THREAD (RFC 5256 §2.1 base subject, §3 ORDEREDSUBJECT and REFERENCES). Pure: input is one
 * record per message (already searched), output the thread trees for response-encoder's
 * writeThread. "Sent date" is the Date header, or the internal date when there is none
 * (RFC 5256 §2.2); equal dates keep sequence order.
 */
import type { ThreadNode } from '../wire/response-encoder.js';

export interface ThreadInput {
  /** The number the response shows (sequence number or UID). */
  readonly id: number;
  readonly seq: number;
  readonly dateMs: number;
  /** Base subject, lower-cased (RFC 5256 §2.1, i;ascii-casemap). */
  readonly baseSubject: string;
  readonly isReplyOrForward: boolean;
  readonly messageId: string | null;
  /** References msg-ids, or the first In-Reply-To msg-id when there are none (RFC 5256 §2.2 step 1). */
  readonly references: readonly string[];
}

const byDate = (a: ThreadInput, b: ThreadInput): number => a.dateMs - b.dateMs || a.seq - b.seq;

/** RFC 5256 §3 ORDEREDSUBJECT: group by base subject; the first message is the parent of the rest. */
export function threadOrderedSubject(messages: readonly ThreadInput[]): ThreadNode[] {
  const groups = new Map<string, ThreadInput[]>();
  for (const m of [...messages].sort(byDate)) {
    const group = groups.get(m.baseSubject);
    if (group) group.push(m); else groups.set(m.baseSubject, [m]);
  }
  const threads = [...groups.values()].sort((a, b) => byDate(a[0]!, b[0]!));
  return threads.map((group) => ({ id: group[0]!.id, children: group.slice(1).map((m) => ({ id: m.id, children: [] })) }));
}

interface Container {
  message: ThreadInput | null;
  parent: Container | null;
  children: Container[];
}

/** RFC 5256 §3 REFERENCES (the "JWZ" algorithm), steps 1-6. */
export function threadReferences(messages: readonly ThreadInput[]): ThreadNode[] {
  const table = new Map<string, Container>();
  const containerFor = (id: string): Container => {
    let c = table.get(id);
    if (!c) table.set(id, (c = { message: null, parent: null, children: [] }));
    return c;
  };
  let unique = 0;
  for (const m of [...messages].sort((a, b) => a.seq - b.seq)) {
    // Step 1: a missing or duplicate Message-ID gets a unique one of its own.
    let id = m.messageId;
    if (id === null || table.get(id)?.message) id = `\u0000${unique++}`;
    const container = containerFor(id);
    container.message = m;
    // Step 1A: link the references in order, never making a loop, never re-linking.
    for (let i = 1; i < m.references.length; i++) {
      const parent = containerFor(m.references[i - 1]!);
      const child = containerFor(m.references[i]!);
      if (child.parent === null && parent !== child && !isAncestor(child, parent)) link(parent, child);
    }
    // Step 1B: the last reference is the parent (a truncated References may have linked it elsewhere).
    const last = m.references.length > 0 ? containerFor(m.references[m.references.length - 1]!) : null;
    if (last !== container && !(last && isAncestor(container, last))) {
      unlink(container);
      if (last) link(last, container);
    }
  }
  // Steps 2-4: the root set, with empty containers pruned.
  const roots = prune([...table.values()].filter((c) => c.parent === null), true);
  // Step 5: roots with the same base subject are gathered.
  const grouped = groupBySubject(roots);
  // Step 6: siblings by sent date.
  sortTree(grouped);
  return grouped.map(toNode);
}

function isAncestor(ancestor: Container, of: Container): boolean {
  for (let c: Container | null = of; c; c = c.parent) if (c === ancestor) return true;
  return false;
}

function link(parent: Container, child: Container): void {
  child.parent = parent;
  parent.children.push(child);
}

function unlink(child: Container): void {
  if (!child.parent) return;
  const siblings = child.parent.children;
  siblings.splice(siblings.indexOf(child), 1);
  child.parent = null;
}

/** Step 4: drop empty dummies, promote a dummy's children (except a root dummy with several). */
function prune(list: Container[], atRoot: boolean): Container[] {
  const out: Container[] = [];
  for (const c of list) {
    c.children = prune(c.children, false);
    for (const child of c.children) child.parent = c;
    if (c.message) { out.push(c); continue; }
    if (c.children.length === 0) continue;
    if (atRoot && c.children.length > 1) { out.push(c); continue; }
    for (const child of c.children) { child.parent = atRoot ? null : c.parent; out.push(child); }
  }
  return out;
}

function subjectOf(c: Container): { subject: string; reply: boolean } | null {
  const m = c.message ?? c.children[0]?.message ?? null;
  return m ? { subject: m.baseSubject, reply: c.message ? m.isReplyOrForward : false } : null;
}

function groupBySubject(roots: Container[]): Container[] {
  const table = new Map<string, Container>();
  for (const c of roots) {
    const s = subjectOf(c);
    if (!s || s.subject === '') continue;
    const old = table.get(s.subject);
    // Step 5B: prefer a dummy, then a message that is not a reply.
    if (!old || (!c.message && old.message) || (old.message && c.message && old.message.isReplyOrForward && !s.reply)) table.set(s.subject, c);
  }
  const out: Container[] = [];
  for (const c of roots) {
    if (c.parent) continue; // already merged under a dummy made for an earlier root
    const s = subjectOf(c);
    const entry = s && s.subject !== '' ? table.get(s.subject) : undefined;
    if (!entry || entry === c) { out.push(c); continue; }
    // Step 5C: merge c into the table's container.
    if (!entry.message && !c.message) {
      for (const child of c.children) link(entry, child);
    } else if (!entry.message) {
      link(entry, c);
    } else if (c.message?.isReplyOrForward && !entry.message.isReplyOrForward) {
      link(entry, c);
    } else {
      // Neither (or both) are replies: a new dummy holds both, in the table's place.
      const dummy: Container = { message: null, parent: null, children: [] };
      const at = out.indexOf(entry);
      link(dummy, entry);
      link(dummy, c);
      table.set(s!.subject, dummy);
      if (at !== -1) out[at] = dummy; else out.push(dummy);
    }
  }
  return out.filter((c) => c.parent === null);
}

/** Sorts every level by the sent date of its first message (step 6). */
function sortTree(list: Container[]): void {
  for (const c of list) sortTree(c.children);
  list.sort((a, b) => compareContainers(a, b));
}

function firstMessage(c: Container): ThreadInput | null {
  return c.message ?? (c.children[0] ? firstMessage(c.children[0]) : null);
}

function compareContainers(a: Container, b: Container): number {
  const x = firstMessage(a);
  const y = firstMessage(b);
  if (!x || !y) return 0;
  return byDate(x, y);
}

function toNode(c: Container): ThreadNode {
  return { id: c.message ? c.message.id : null, children: c.children.map(toNode) };
}
