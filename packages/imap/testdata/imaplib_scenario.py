"""A mail session as Python's imaplib drives it, against Tandem's IMAP server.

Run by packages/imap/src/server/imap-server.imaplib.test.ts:
    python3 imaplib_scenario.py HOST PORT USER PASSWORD
Prints one JSON object with what the server answered; the test asserts on it. Any IMAP error
raises (imaplib turns NO/BAD into exceptions), which makes the script exit non-zero.
"""
import imaplib
import json
import ssl
import sys


def ok(result):
    typ, data = result
    if typ != 'OK':
        raise RuntimeError(f'{typ} {data!r}')
    return data


def main():
    host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    out = {}
    with imaplib.IMAP4_SSL(host, port, ssl_context=context) as imap:
        out['capabilities'] = sorted(imap.capabilities)
        ok(imap.login(user, password))
        out['list'] = [line.decode() for line in ok(imap.list())]
        ok(imap.create('Python/Inbox'))
        message = b'From: py@example.org\r\nSubject: from imaplib\r\n\r\nhello from python\r\n'
        append = ok(imap.append('Python/Inbox', '(\\Flagged)', imaplib.Time2Internaldate(1767225600), message))
        out['append'] = append[0].decode()
        out['select'] = int(ok(imap.select('Python/Inbox'))[0])
        out['search_flagged'] = ok(imap.search(None, 'FLAGGED'))[0].decode()
        fetched = ok(imap.fetch('1', '(FLAGS RFC822)'))
        out['fetch_meta'] = fetched[0][0].decode()
        out['fetch_body'] = fetched[0][1].decode()
        out['store'] = [x.decode() for x in ok(imap.store('1', '+FLAGS', '(\\Deleted)'))]
        out['uid_search'] = ok(imap.uid('SEARCH', None, 'ALL'))[0].decode()
        out['copy'] = imap.copy('1', 'INBOX')[0]
        out['expunge'] = [x.decode() for x in ok(imap.expunge()) if x]
        out['status'] = ok(imap.status('INBOX', '(MESSAGES UIDNEXT)'))[0].decode()
        ok(imap.close())
        ok(imap.rename('Python/Inbox', 'Python/Renamed'))
        out['list_python'] = [line.decode() for line in ok(imap.list('Python'))]
        ok(imap.delete('Python/Renamed'))
        out['noop'] = imap.noop()[0]
        out['logout'] = imap.logout()[0]
    print(json.dumps(out))


if __name__ == '__main__':
    main()
