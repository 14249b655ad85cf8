// Goal: the metrics exposition is valid Prometheus text: HELP and TYPE per family, escaped labels, cumulative histogram buckets with +Inf, sum and count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusRegistry } from './prometheus-registry.js';

test('counters, gauges and histograms render in the text format', () => {
  const r = new PrometheusRegistry();
  const writes = r.counter('tandem_smtp_writes_total', 'SMTP writes.');
  writes.inc({ command: 'message.deliver', outcome: 'ok' });
  writes.inc({ command: 'message.deliver', outcome: 'ok' });
  writes.inc({ command: 'message.deliver', outcome: 'unknown' });
  r.gauge('tandem_raft_term', 'Current term.', () => [{ labels: {}, value: 7 }]);
  r.gauge('tandem_node_info', 'Info.', () => [{ labels: { node: 'a"b\\c\nd' }, value: 1 }]);
  const seconds = r.histogram('tandem_smtp_write_seconds', 'Latency.', [0.01, 0.1]);
  seconds.observe({ command: 'x' }, 0.005);
  seconds.observe({ command: 'x' }, 0.05);
  seconds.observe({ command: 'x' }, 3);
  assert.equal(r.render(), [
    '# HELP tandem_smtp_writes_total SMTP writes.',
    '# TYPE tandem_smtp_writes_total counter',
    'tandem_smtp_writes_total{command="message.deliver",outcome="ok"} 2',
    'tandem_smtp_writes_total{command="message.deliver",outcome="unknown"} 1',
    '# HELP tandem_raft_term Current term.',
    '# TYPE tandem_raft_term gauge',
    'tandem_raft_term 7',
    '# HELP tandem_node_info Info.',
    '# TYPE tandem_node_info gauge',
    'tandem_node_info{node="a\\"b\\\\c\\nd"} 1',
    '# HELP tandem_smtp_write_seconds Latency.',
    '# TYPE tandem_smtp_write_seconds histogram',
    'tandem_smtp_write_seconds_bucket{command="x",le="0.01"} 1',
    'tandem_smtp_write_seconds_bucket{command="x",le="0.1"} 2',
    'tandem_smtp_write_seconds_bucket{command="x",le="+Inf"} 3',
    'tandem_smtp_write_seconds_sum{command="x"} 3.055',
    'tandem_smtp_write_seconds_count{command="x"} 3',
    '',
  ].join('\n'));
  assert.throws(() => r.counter('tandem_raft_term', 'again'), /registered twice/);
});
