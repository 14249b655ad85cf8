// Goal: a rule holds a message only when every condition it has holds; "@domain" matches the whole domain and no
// look-alike; the null sender matches no from; the first rule by name wins whatever the order of the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReviewRule } from '@tandem/store';
import { matchingRule, type ReviewedTransaction } from './match-rule.js';

const rule = (name: string, extra: Partial<ReviewRule>): ReviewRule => ({ name, direction: 'any', reviewers: [], createdMs: 0, ...extra });
const tx = (mailFrom: string, rcptTo: string[], direction: ReviewedTransaction['direction'] = 'inbound'): ReviewedTransaction => ({ mailFrom, rcptTo, direction });

test('from, to and direction must all hold', () => {
  const rules = [rule('legal', { from: '@rival.test', to: 'ceo@example.test', direction: 'inbound' })];
  assert.equal(matchingRule(rules, tx('spy@Rival.TEST', ['staff@example.test', 'CEO@example.test']))?.name, 'legal');
  assert.equal(matchingRule(rules, tx('spy@rival.test', ['staff@example.test'])), undefined, 'no recipient matches');
  assert.equal(matchingRule(rules, tx('spy@rival.test', ['ceo@example.test'], 'internal')), undefined, 'another direction');
  assert.equal(matchingRule(rules, tx('friend@ally.test', ['ceo@example.test'])), undefined, 'another sender');
});

test('"@domain" is the whole domain and nothing that only ends like it; <> matches no from; a malformed address matches nothing', () => {
  const rules = [rule('d', { from: '@rival.test' })];
  assert.equal(matchingRule(rules, tx('a@notrival.test', ['x@example.test'])), undefined);
  assert.equal(matchingRule(rules, tx('a@sub.rival.test', ['x@example.test'])), undefined);
  assert.equal(matchingRule(rules, tx('', ['x@example.test'])), undefined);
  assert.equal(matchingRule(rules, tx('not an address', ['x@example.test'])), undefined);
});

test('direction alone: all outbound mail; the first rule by name wins in any order', () => {
  const rules = [rule('zz-all-out', { direction: 'outbound' }), rule('aa-ceo', { to: 'friend@remote.test' })];
  assert.equal(matchingRule(rules, tx('me@example.test', ['friend@remote.test'], 'outbound'))?.name, 'aa-ceo');
  assert.equal(matchingRule([...rules].reverse(), tx('me@example.test', ['friend@remote.test'], 'outbound'))?.name, 'aa-ceo');
  assert.equal(matchingRule(rules, tx('me@example.test', ['other@remote.test'], 'outbound'))?.name, 'zz-all-out');
  assert.equal(matchingRule(rules, tx('me@example.test', ['colleague@example.test'], 'internal')), undefined);
});
