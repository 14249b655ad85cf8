/**
 * RFC 5322 §3.4 address lists as IMAP ENVELOPE wants them (RFC 9051 §7.5.2): each address is
 * (name adl mailbox host); a group is opened by (NIL NIL group-name NIL) and closed by
 * (NIL NIL NIL NIL).
 *
 * Broken lists are common, so the parser recovers instead of failing: an address without a domain
 * gets the host "MISSING_DOMAIN" (and one without a local part the mailbox "MISSING_MAILBOX"),
 * because a NIL host would turn it into a group marker for the client (RFC 9051 §7.5.2); an
 * unparseable angle address gets the host "SYNTAX_ERROR". These are the placeholders Dovecot uses,
 * so clients see the same ENVELOPE from us as from it.
 */
import { Lex, Rfc822Lexer } from './rfc822-lexer.js';

export interface MailAddress {
  /** Display name (phrase, or the comment after a bare addr-spec), encoded words kept. */
  name: string | null;
  /** Source route (obsolete, RFC 5322 §4.4), e.g. "@a,@b". */
  adl: string | null;
  /** Local part; for a group start the group name; null for a group end. */
  mailbox: string | null;
  /** Domain; null for group markers. */
  host: string | null;
}

interface Pending {
  name: string | null;
  adl: string | null;
  mailbox: string | null;
  host: string | null;
}

class AddressListParser {
  readonly result: MailAddress[] = [];
  private addr: Pending = emptyPending();

  constructor(private readonly lex: Rfc822Lexer, private readonly addressesMax: number) {}

  parseList(): void {
    // RFC 5322 §3.4 address-list = (address *("," address)) / obs-addr-list
    let remaining = this.addressesMax;
    while (remaining-- > 0) {
      const before = this.lex.pos;
      if (this.parseAddress() === Lex.End) break;
      if (this.lex.peek() !== 0x2c) break;
      this.lex.pos++;
      const r = this.lex.skipCfws();
      if (r !== Lex.More) {
        if (r === Lex.Error) this.pushFixed(); // ends with garbage
        break;
      }
      if (this.lex.pos === before) break; // no progress: stop rather than loop
    }
  }

  private push(): void {
    this.result.push({ ...this.addr });
    this.addr = emptyPending();
  }

  private pushFixed(): void {
    if (this.addr.mailbox === null) this.addr.mailbox = 'MISSING_MAILBOX';
    if (this.addr.host === null) this.addr.host = 'MISSING_DOMAIN';
    this.push();
  }

  private parseAddress(): Lex {
    // address = mailbox / group
    const start = this.lex.pos;
    const r = this.parseGroup();
    if (r !== Lex.Error) return r;
    this.lex.pos = start;
    this.addr = emptyPending();
    return this.parseMailbox();
  }

  private parseGroup(): Lex {
    // group = display-name ":" [group-list] ";" [CFWS]
    const name: [string] = [''];
    if (this.lex.phrase(name) !== Lex.More || this.lex.peek() !== 0x3a) return Lex.Error;
    // From here on this is a group, whatever follows.
    this.lex.pos++;
    let r = this.lex.skipCfws();
    this.addr.mailbox = name[0];
    this.push();
    if (r === Lex.More && this.lex.peek() !== 0x3b) {
      for (;;) {
        if (this.parseMailbox() !== Lex.More) { r = Lex.Error; break; }
        if (this.lex.peek() !== 0x2c) break;
        this.lex.pos++;
        if (this.lex.skipCfws() !== Lex.More) { r = Lex.Error; break; }
      }
    }
    if (r !== Lex.Error) {
      if (this.lex.peek() !== 0x3b) {
        r = Lex.Error;
      } else {
        this.lex.pos++;
        r = this.lex.skipCfws();
      }
    }
    this.push(); // group end (NIL NIL NIL NIL)
    return r === Lex.End ? Lex.End : Lex.More;
  }

  private parseMailbox(): Lex {
    // mailbox = name-addr / addr-spec
    const start = this.lex.pos;
    let r = this.parseNameAddr();
    if (r === Lex.Error) {
      this.lex.pos = start;
      this.addr = emptyPending();
      r = this.parseAddrSpec();
    }
    this.pushFixed();
    return r;
  }

  private parseNameAddr(): Lex {
    // name-addr = [display-name] angle-addr
    const name: [string] = [''];
    if (this.lex.phrase(name) !== Lex.More || this.lex.peek() !== 0x3c) return Lex.Error;
    this.addr.name = name[0] === '' ? null : name[0];
    if (this.parseAngleAddr() === Lex.Error) this.addr.host = 'SYNTAX_ERROR';
    return this.lex.atEnd() ? Lex.End : Lex.More;
  }

  private parseAngleAddr(): Lex {
    // angle-addr = "<" [obs-route] addr-spec ">"
    this.lex.pos++;
    let r = this.lex.skipCfws();
    if (r !== Lex.More) return r;
    if (this.lex.peek() === 0x40) {
      if (this.parseRoute() !== Lex.More || this.lex.peek() !== 0x3a) {
        this.addr.adl = 'INVALID_ROUTE';
        return Lex.Error;
      }
      this.lex.pos++;
      r = this.lex.skipCfws();
      if (r !== Lex.More) return r;
    }
    r = this.parseLocalPart();
    if (r !== Lex.More) return r;
    if (this.lex.peek() === 0x40) {
      r = this.parseDomain();
      if (r !== Lex.More) return r;
    }
    if (this.lex.peek() !== 0x3e) return Lex.Error;
    this.lex.pos++;
    return this.lex.skipCfws();
  }

  private parseRoute(): Lex {
    // RFC 5322 §4.4 obs-domain-list = *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain])
    let route = '';
    for (;;) {
      if (this.lex.atEnd()) return Lex.End;
      if (this.lex.peek() !== 0x40) break;
      if (route.length > 0) route += ',';
      const domain: [string] = ['@'];
      const r = this.lex.domain(domain);
      route += domain[0];
      if (r !== Lex.More) return r;
      while (this.lex.skipCfws() === Lex.More && this.lex.peek() === 0x2c) this.lex.pos++;
    }
    this.addr.adl = route;
    return Lex.More;
  }

  private parseLocalPart(): Lex {
    // local-part = dot-atom / quoted-string / obs-local-part
    const out: [string] = [''];
    const r = this.lex.peek() === 0x22 ? this.lex.quotedString(out) : this.lex.dotAtom(out);
    if (r === Lex.Error) return r;
    this.addr.mailbox = out[0];
    return r;
  }

  private parseDomain(): Lex {
    const out: [string] = [''];
    const r = this.lex.domain(out);
    if (r === Lex.Error) return r;
    this.addr.host = out[0];
    return r;
  }

  private parseAddrSpec(): Lex {
    // addr-spec = local-part "@" domain; a comment after it is taken as the name.
    this.lex.startRecordingComments();
    let r = this.lex.atEnd() ? Lex.Error : this.parseLocalPart();
    if (r !== Lex.End && this.lex.peek() === 0x40) {
      const r2 = this.parseDomain();
      if (r2 !== Lex.More) r = r2;
    }
    if (this.lex.lastComment.length > 0) this.addr.name = this.lex.lastComment;
    return r;
  }
}

function emptyPending(): Pending {
  return { name: null, adl: null, mailbox: null, host: null };
}

/**
 * Parses a header value (latin1, unfolding not needed: CRLF counts as white space) into addresses.
 * An empty or blank value gives [].
 */
export function parseAddressList(value: string, addressesMax = 10_000): MailAddress[] {
  const lex = new Rfc822Lexer(value);
  if (lex.skipCfws() !== Lex.More) return [];
  const parser = new AddressListParser(lex, addressesMax);
  parser.parseList();
  return parser.result;
}
