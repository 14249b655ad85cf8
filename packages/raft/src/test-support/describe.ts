// Short, stable text forms of entries, messages and status, for golden transcripts and failure output.
import type { Entry } from '../entry.js';
import type { Message } from '../message.js';
import type { Membership } from '../membership.js';
import type { Status } from '../status.js';
import { decodeConfChange } from '../conf-change.js';

const textDecoder = new TextDecoder();

export function describeEntry(e: Entry): string {
  if (e.type === 'confChange') {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} conf:${cc.type}:${cc.nodeId}`;
  }
  if (e.data.byteLength === 0) return `${e.term}/${e.index} (empty)`;
  return `${e.term}/${e.index} ${JSON.stringify(textDecoder.decode(e.data))}`;
}

export function describeMembership(m: Membership): string {
  const parts = [`voters=(${m.voters.join(' ')})`];
  if (m.witnesses.length > 0) parts.push(`witnesses=(${m.witnesses.join(' ')})`);
  if (m.learners.length > 0) parts.push(`learners=(${m.learners.join(' ')})`);
  return parts.join(' ');
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'appendEntries': {
      const ents = m.entries.map(describeEntry).join(', ');
      return `${head} prev=${m.logTerm}/${m.index} commit=${m.commit}${ents === '' ? '' : ` entries=[${ents}]`}`;
    }
    case 'appendEntriesResponse':
      return m.reject
        ? `${head} reject index=${m.index} hint=${m.logTerm}/${m.rejectHint}`
        : `${head} index=${m.index}`;
    case 'requestVote':
    case 'requestPreVote':
      return `${head} last=${m.logTerm}/${m.index}${m.leadershipTransfer ? ' transfer' : ''}`;
    case 'requestVoteResponse':
    case 'requestPreVoteResponse':
      return `${head} ${m.reject ? 'rejected' : 'granted'}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}`;
    case 'heartbeatResponse':
    case 'timeoutNow':
      return head;
    case 'installSnapshot': {
      const s = m.snapshot;
      return s === undefined
        ? `${head} (no snapshot)`
        : `${head} snap=${s.metadata.term}/${s.metadata.index} ${describeMembership(s.metadata.membership)} bytes=${s.data.byteLength}`;
    }
  }
}

export function describeStatus(s: Status): string {
  const lines = [
    `${s.id}: ${s.role} term=${s.term} vote=${s.vote ?? '-'} lead=${s.lead ?? '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}${s.isWitness ? ' witness' : ''}`,
    `  ${describeMembership(s.membership)}`,
  ];
  if (s.role === 'leader') {
    lines.push(`  lease=${s.leaseValid ? `valid(${s.leaseRemainingTicks})` : 'none'} transferee=${s.leadTransferee ?? '-'} dataIndex=${s.dataIndex}`);
    for (const id of Object.keys(s.progress).sort()) {
      const p = s.progress[id];
      if (p === undefined) continue;
      lines.push(`  ${id}: match=${p.match} next=${p.next} ${p.state}${p.recentActive ? '' : ' inactive'}${p.inflight > 0 ? ` inflight=${p.inflight}` : ''}${p.pendingSnapshot > 0 ? ` pendingSnapshot=${p.pendingSnapshot}` : ''}`);
    }
  } else if (s.dataIndex > 0) {
    lines.push(`  dataIndex=${s.dataIndex}`);
  }
  return lines.join('\n');
}
