/**
 * Binary encoding of commands: the bytes the local log (and later the Raft log) carries.
 * Message bodies travel raw (no base64, no JSON), so a 50 MB message costs 50 MB.
 *
 * Layout: [version u8 = 1][type tag u8][timestampMs f64 LE] then the type's fields in schema
 * order. Field kinds:
 *   s   string: varuint byte length + UTF-8        b   bytes: varuint length + raw
 *   u   varuint (LEB128), a safe non-negative integer
 *   f   float64 LE (times: exact for any JS number, negative dates included)
 *   B   bool: one byte 0/1                          S/U arrays: varuint count + items
 *   ?x  optional: one byte 0 (absent) / 1 (present) then x
 * Tags and field order are part of the on-disk format: never renumber or reorder; add new
 * command types with new tags, and new fields only behind a new version byte.
 */
import type { Command, CommandType } from './command.js';
import { CommandCodecError } from './store-errors.js';

const formatVersion = 1;

type FieldKind = 's' | 'b' | 'u' | 'f' | 'B' | 'S' | 'U' | '?s' | '?u' | '?U' | 'envelope' | 'recipients' | 'operation';
type Schema = ReadonlyArray<readonly [string, FieldKind]>;

const schemas: Record<CommandType, { tag: number; fields: Schema }> = {
  'domain.add': { tag: 1, fields: [['domain', 's']] },
  'domain.remove': { tag: 2, fields: [['domain', 's']] },
  'user.add': { tag: 3, fields: [['address', 's'], ['passwordHash', 's'], ['quotaBytes', '?u']] },
  'user.remove': { tag: 4, fields: [['address', 's']] },
  'user.passwd': { tag: 5, fields: [['address', 's'], ['passwordHash', 's']] },
  'alias.add': { tag: 6, fields: [['source', 's'], ['target', 's']] },
  'alias.remove': { tag: 7, fields: [['source', 's'], ['target', 's']] },
  'mailbox.create': { tag: 8, fields: [['user', 's'], ['mailbox', 's'], ['specialUse', '?s']] },
  'mailbox.rename': { tag: 9, fields: [['user', 's'], ['mailbox', 's'], ['newName', 's']] },
  'mailbox.delete': { tag: 10, fields: [['user', 's'], ['mailbox', 's']] },
  'mailbox.subscribe': { tag: 11, fields: [['user', 's'], ['mailbox', 's'], ['subscribed', 'B']] },
  'message.deliver': {
    tag: 12,
    fields: [['dedupeKey', 's'], ['queueId', 's'], ['envelope', 'envelope'], ['recipients', 'recipients'], ['message', 'b']],
  },
  'message.append': {
    tag: 13,
    fields: [['user', 's'], ['mailbox', 's'], ['message', 'b'], ['flags', 'S'], ['internalDateMs', 'f']],
  },
  'message.store': {
    tag: 14,
    fields: [['user', 's'], ['mailbox', 's'], ['uids', 'U'], ['operation', 'operation'], ['flags', 'S'], ['unchangedSince', '?u']],
  },
  'message.copy': { tag: 15, fields: [['user', 's'], ['mailbox', 's'], ['uids', 'U'], ['target', 's'], ['move', 'B']] },
  'message.expunge': { tag: 16, fields: [['user', 's'], ['mailbox', 's'], ['uids', '?U']] },
  'user.quota': { tag: 17, fields: [['address', 's'], ['quotaBytes', '?u']] },
  'message.send': {
    tag: 18,
    fields: [['dedupeKey', 's'], ['queueId', 's'], ['envelope', 'envelope'], ['recipients', 'recipients'], ['remote', 'S'], ['message', 'b']],
  },
  'queue.attempt': {
    tag: 19,
    fields: [['queueId', 's'], ['recipients', 'S'], ['outcomes', 'S'], ['replies', 'S'], ['nextAttemptMs', 'f']],
  },
  'queue.retry': { tag: 20, fields: [['queueId', '?s']] },
  'queue.remove': { tag: 21, fields: [['queueId', 's']] },
  'review.rule.add': { tag: 22, fields: [['name', 's'], ['from', '?s'], ['to', '?s'], ['direction', 's'], ['reviewers', 'S']] },
  'review.rule.remove': { tag: 23, fields: [['name', 's']] },
  'message.hold': {
    tag: 24,
    fields: [['dedupeKey', 's'], ['queueId', 's'], ['envelope', 'envelope'], ['recipients', 'recipients'], ['remote', 'S'], ['rule', 's'], ['message', 'b']],
  },
  'review.approve': { tag: 25, fields: [['queueId', 's'], ['reviewer', 's']] },
  'review.reject': { tag: 26, fields: [['queueId', 's'], ['reviewer', 's'], ['reason', 's']] },
  'archive.configure': { tag: 27, fields: [['enabled', 'B'], ['retentionDays', '?u']] },
  'archive.hold.add': { tag: 28, fields: [['name', 's'], ['custodian', 's'], ['reason', 's']] },
  'archive.hold.remove': { tag: 29, fields: [['name', 's']] },
  'archive.expire': { tag: 30, fields: [['beforeMs', 'f']] },
};

const typeByTag = new Map<number, CommandType>(
  (Object.entries(schemas) as Array<[CommandType, { tag: number }]>).map(([type, s]) => [s.tag, type]),
);
const operations = ['add', 'remove', 'replace'] as const;

class Writer {
  readonly chunks: Uint8Array[] = [];
  private small: number[] = [];
  private flushSmall(): void {
    if (this.small.length) { this.chunks.push(Uint8Array.from(this.small)); this.small = []; }
  }
  byte(n: number): void { this.small.push(n); }
  varuint(n: unknown, field: string): void {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new CommandCodecError(`${field} must be a non-negative safe integer`);
    let v = n;
    while (v >= 0x80) { this.small.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    this.small.push(v);
  }
  f64(n: unknown, field: string): void {
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new CommandCodecError(`${field} must be a finite number`);
    const b = Buffer.allocUnsafe(8); b.writeDoubleLE(n); for (const x of b) this.small.push(x);
  }
  bytes(data: unknown, field: string): void {
    if (!(data instanceof Uint8Array)) throw new CommandCodecError(`${field} must be a Uint8Array`);
    this.varuint(data.length, field);
    this.flushSmall();
    this.chunks.push(data);
  }
  string(s: unknown, field: string): void {
    if (typeof s !== 'string') throw new CommandCodecError(`${field} must be a string`);
    this.bytes(Buffer.from(s, 'utf8'), field);
  }
  finish(): Uint8Array { this.flushSmall(); return Buffer.concat(this.chunks); }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  private need(n: number): void { if (this.pos + n > this.buf.length) throw new CommandCodecError('truncated command'); }
  byte(): number { this.need(1); return this.buf[this.pos++]!; }
  varuint(): number {
    let result = 0; let scale = 1;
    for (let i = 0; ; i++) {
      if (i >= 8) throw new CommandCodecError('varuint too long');
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (!Number.isSafeInteger(result)) throw new CommandCodecError('varuint out of range');
      if ((b & 0x80) === 0) return result;
      scale *= 0x80;
    }
  }
  f64(): number { this.need(8); const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8).readDoubleLE(0); this.pos += 8; return v; }
  bool(): boolean {
    const b = this.byte();
    if (b > 1) throw new CommandCodecError('bad boolean');
    return b === 1;
  }
  /** A view into the input (no copy). */
  bytes(): Uint8Array { const n = this.varuint(); this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  string(): string {
    const v = this.bytes();
    const s = Buffer.from(v.buffer, v.byteOffset, v.length).toString('utf8');
    return s;
  }
  done(): void { if (this.pos !== this.buf.length) throw new CommandCodecError('trailing bytes after command'); }
}

function writeField(w: Writer, kind: FieldKind, value: unknown, field: string): void {
  if (kind.startsWith('?')) {
    if (value === undefined) { w.byte(0); return; }
    w.byte(1);
    writeField(w, kind.slice(1) as FieldKind, value, field);
    return;
  }
  switch (kind) {
    case 's': w.string(value, field); return;
    case 'b': w.bytes(value, field); return;
    case 'u': w.varuint(value, field); return;
    case 'f': w.f64(value, field); return;
    case 'B':
      if (typeof value !== 'boolean') throw new CommandCodecError(`${field} must be a boolean`);
      w.byte(value ? 1 : 0); return;
    case 'S': case 'U': {
      if (!Array.isArray(value)) throw new CommandCodecError(`${field} must be an array`);
      w.varuint(value.length, field);
      for (const item of value) writeField(w, kind === 'S' ? 's' : 'u', item, field);
      return;
    }
    case 'envelope': {
      const env = value as { mailFrom?: unknown; rcptTo?: unknown } | undefined;
      if (typeof env !== 'object' || env === null) throw new CommandCodecError(`${field} must be an object`);
      w.string(env.mailFrom, `${field}.mailFrom`);
      writeField(w, 'S', env.rcptTo, `${field}.rcptTo`);
      return;
    }
    case 'recipients': {
      if (!Array.isArray(value)) throw new CommandCodecError(`${field} must be an array`);
      w.varuint(value.length, field);
      for (const r of value as Array<{ user?: unknown; mailbox?: unknown }>) {
        if (typeof r !== 'object' || r === null) throw new CommandCodecError(`${field} items must be objects`);
        w.string(r.user, `${field}.user`); w.string(r.mailbox, `${field}.mailbox`);
      }
      return;
    }
    case 'operation': {
      const i = operations.indexOf(value as (typeof operations)[number]);
      if (i < 0) throw new CommandCodecError(`${field} must be one of ${operations.join(', ')}`);
      w.byte(i); return;
    }
    default: throw new CommandCodecError(`unknown field kind ${kind as string}`);
  }
}

function readField(r: Reader, kind: FieldKind): unknown {
  if (kind.startsWith('?')) return r.bool() ? readField(r, kind.slice(1) as FieldKind) : undefined;
  switch (kind) {
    case 's': return r.string();
    case 'b': return r.bytes();
    case 'u': return r.varuint();
    case 'f': return r.f64();
    case 'B': return r.bool();
    case 'S': case 'U': {
      const n = r.varuint();
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(kind === 'S' ? r.string() : r.varuint());
      return out;
    }
    case 'envelope': return { mailFrom: r.string(), rcptTo: readField(r, 'S') };
    case 'recipients': {
      const n = r.varuint();
      const out: Array<{ user: string; mailbox: string }> = [];
      for (let i = 0; i < n; i++) out.push({ user: r.string(), mailbox: r.string() });
      return out;
    }
    case 'operation': {
      const op = operations[r.byte()];
      if (op === undefined) throw new CommandCodecError('bad store operation');
      return op;
    }
    default: throw new CommandCodecError(`unknown field kind ${kind as string}`);
  }
}

export function encodeCommand(cmd: Command): Uint8Array {
  const schema = schemas[cmd?.type];
  if (!schema) throw new CommandCodecError(`unknown command type ${JSON.stringify((cmd as { type?: unknown })?.type)}`);
  const w = new Writer();
  w.byte(formatVersion);
  w.byte(schema.tag);
  w.f64(cmd.timestampMs, 'timestampMs');
  const record = cmd as unknown as Record<string, unknown>;
  for (const [field, kind] of schema.fields) writeField(w, kind, record[field], field);
  return w.finish();
}

/** Decodes what encodeCommand() made. Byte fields are views into `bytes` (no copy). */
export function decodeCommand(bytes: Uint8Array): Command {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== formatVersion) throw new CommandCodecError(`unknown format version ${version}`);
  const tag = r.byte();
  const type = typeByTag.get(tag);
  if (!type) throw new CommandCodecError(`unknown command tag ${tag}`);
  const out: Record<string, unknown> = { type, timestampMs: r.f64() };
  for (const [field, kind] of schemas[type].fields) {
    const value = readField(r, kind);
    if (value !== undefined) out[field] = value;
  }
  r.done();
  return out as unknown as Command;
}
