// Goal: /metrics says when the certificate in use expires (Unix seconds, following a reload; no sample before any certificate), and when this node last sent a whole backup, with backups counted by outcome.
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

test('backups: the last whole one as Unix seconds, a cut one counted but not taken for a backup', () => {
  const metrics = new DaemonMetrics('a', 'data');
  const last = (): string | undefined => /^tandem_backup_last_sent_seconds (\S+)$/m.exec(metrics.render())?.[1];
  const count = (outcome: string): string | undefined => new RegExp(`^tandem_backups_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm').exec(metrics.render())?.[1];
  assert.equal(last(), undefined);
  metrics.backupEnded(true, Date.UTC(2026, 10, 30, 3, 15, 0, 500));
  assert.equal(last(), String(Date.UTC(2026, 10, 30, 3, 15) / 1000));
  metrics.backupEnded(false, Date.UTC(2026, 11, 1, 3, 15));
  assert.equal(last(), String(Date.UTC(2026, 10, 30, 3, 15) / 1000), 'a cut backup is not the last backup');
  assert.equal(count('sent'), '1');
  assert.equal(count('cut'), '1');
});
