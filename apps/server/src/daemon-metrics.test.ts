// Goal: /metrics says when the certificate in use expires, as Unix seconds, and follows a reload; before any certificate (a witness) there is no sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonMetrics } from './daemon-metrics.js';

const sample = (text: string): string | undefined => /^tandem_tls_certificate_not_after_seconds (\S+)$/m.exec(text)?.[1];

test('the certificate expiry gauge: absent, then the validTo of each certificate set', () => {
  const metrics = new DaemonMetrics('a', 'data');
  assert.equal(sample(metrics.render()), undefined);
  metrics.setTlsCertificate('Nov 29 23:59:59 2027 GMT');
  assert.equal(sample(metrics.render()), String(Date.UTC(2027, 10, 29, 23, 59, 59) / 1000));
  metrics.setTlsCertificate('Feb 28 12:00:00 2028 GMT');
  assert.equal(sample(metrics.render()), String(Date.UTC(2028, 1, 28, 12, 0, 0) / 1000));
  assert.match(metrics.render(), /^# TYPE tandem_tls_certificate_not_after_seconds gauge$/m);
});
