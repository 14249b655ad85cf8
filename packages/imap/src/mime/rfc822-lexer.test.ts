// Goal: the RFC 5322 lexer's primitives (CFWS, atoms, quoted strings, phrases, domains) behave as address and MIME parsing rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lex, Rfc822Lexer } from './rfc822-lexer.js';

test('CFWS: spaces, folding and nested comments are skipped; the last comment is remembered on request', () => {
  const lex = new Rfc822Lexer(' \r\n\t(a (nested) \\) comment) x');
  lex.startRecordingComments();
  assert.equal(lex.skipCfws(), Lex.More);
  assert.equal(lex.peek(), 0x78);
  assert.equal(lex.lastComment, 'a (nested) ) comment');
  assert.equal(new Rfc822Lexer('(unterminated').skipCfws(), Lex.Error);
  assert.equal(new Rfc822Lexer('   ').skipCfws(), Lex.End);
});

test('dot-atom allows CFWS around dots (obsolete forms); atoms stop at specials', () => {
  const out: [string] = [''];
  assert.equal(new Rfc822Lexer('john . q.public @x').dotAtom(out), Lex.More);
  assert.equal(out[0], 'john.q.public');
  const atom: [string] = [''];
  assert.equal(new Rfc822Lexer('ab<c').atom(atom), Lex.More);
  assert.equal(atom[0], 'ab');
  assert.equal(new Rfc822Lexer('<c').atom(['']), Lex.Error);
});

test('quoted strings are unescaped and unfolded; a missing quote is an error', () => {
  const out: [string] = [''];
  assert.equal(new Rfc822Lexer('"a \\"b\\"\r\n c"').quotedString(out), Lex.End);
  assert.equal(out[0], 'a "b" c');
  assert.equal(new Rfc822Lexer('"open').quotedString(['']), Lex.Error);
});

test('phrases join words with one space; domains take literals', () => {
  const phrase: [string] = [''];
  assert.equal(new Rfc822Lexer('Joe  Q. "Public" <x>').phrase(phrase), Lex.More);
  assert.equal(phrase[0], 'Joe Q. Public');
  const domain: [string] = [''];
  assert.equal(new Rfc822Lexer('@[1.2.3.4]').domain(domain), Lex.End);
  assert.equal(domain[0], '[1.2.3.4]');
});

test('MIME tokens exclude tspecials "/", "?", "=" (RFC 2045 §5.1)', () => {
  const token: [string] = [''];
  new Rfc822Lexer('multipart/mixed').mimeToken(token);
  assert.equal(token[0], 'multipart');
});
