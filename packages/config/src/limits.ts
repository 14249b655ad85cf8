/**
 * Every limit of the server, declared in one place (TigerBeetle: "put a limit on everything").
 * Each entry says what happens when it is reached. Units come last in the names.
 */
export const limits = {
  /** SMTP: largest message accepted; advertised in EHLO SIZE (RFC 1870). Over it: 552 5.3.4, nothing kept. */
  messageSizeBytesMax: 50 * 1024 * 1024,
  /** SMTP: recipients per transaction (RFC 5321 §4.5.3.1.8 requires at least 100). Over it: 452 4.5.3. */
  smtpRecipientsMax: 100,
  /**
   * SMTP: recipient addresses the sessions' thread remembers as accepted (intake-thread.ts), so a
   * known recipient's RCPT needs no round trip to the store's thread. Reached: it starts over.
   */
  smtpAcceptedRecipientsMax: 10_000,
  /** SMTP: a cluster member starts its SMTP sessions' thread this long after it starts, if it has not caught up with a leader sooner (intake-thread.ts). */
  smtpThreadWarmUpDelayMs: 5_000,
  /**
   * SMTP: longest command line (RFC 5321 §4.5.3.1.4 allows 512 octets, we allow some slack for AUTH
   * PLAIN's base64 argument). Over it: "421 4.4.2 Error: Command line too long" and the connection is
   * closed (smtp-server drops the partial line, so nothing after it can be trusted to be a command).
   */
  smtpCommandLineBytesMax: 2048,
  /**
   * SMTP: a text line inside DATA (RFC 5321 §4.5.3.1.6 says 1000 incl. CRLF); longer lines are
   * accepted up to this. Over it: the rest of the message is read and discarded, then
   * 554 5.6.0, nothing kept.
   */
  smtpDataLineBytesMax: 1024 * 1024,
  /**
   * SMTP: the mail log's line for an accepted message names its Message-ID, looked for in this
   * much of the header section (a message whose header runs on past it is logged without one)...
   */
  mailLogHeaderScanBytesMax: 64 * 1024,
  /** ...and cut to this many characters (the field is the sender's to fill). */
  mailLogMessageIdCharsMax: 256,
  /**
   * SMTP: bytes of messages held in memory at once, across all sessions (a message is buffered
   * from DATA until its delivery is answered). Over it: the transaction that would pass it is read
   * to its end and refused with 451 4.3.1, nothing kept; the client retries later. Must stay above
   * messageSizeBytesMax so one largest message always fits.
   */
  smtpBufferedBytesMax: 256 * 1024 * 1024,
  /** SMTP: simultaneous sessions per listener. Over it: 421 and the connection is closed. */
  smtpSessionsMax: 1000,
  /**
   * SMTP: idle time while the server waits for the client (RFC 5321 §4.5.3.2.7: at least 5 minutes).
   * Over it: 421 4.4.2 and the connection is closed; an unfinished transaction is discarded.
   */
  smtpIdleTimeoutMs: 5 * 60 * 1000,
  /**
   * SMTP submission: commands a client may send before it authenticates. Over it: 421 and the
   * connection is closed (a client that never authenticates has no business there).
   */
  smtpUnauthenticatedCommandsMax: 20,
  /**
   * SMTP: on shutdown, sessions get this long to finish before they are closed with 421. A
   * transaction whose delivery was already proposed still gets its reply (the log drains first).
   */
  smtpShutdownDrainMs: 5_000,
  /** AUTH: failures from one client address before each further attempt is delayed. */
  authFailuresBeforeDelay: 3,
  /** AUTH: the delay per failure beyond the free ones, capped at authDelayMsMax. */
  authDelayMsPerFailure: 1000,
  authDelayMsMax: 10_000,
  /** AUTH: failures are forgotten after this long without one. */
  authFailureWindowMs: 15 * 60 * 1000,
  /**
   * AUTH: client addresses whose failures are remembered. Over it: the address with the oldest
   * failure is forgotten first (memory stays bounded under a spray of addresses).
   */
  authThrottleClientsMax: 10_000,
  /** Dedupe keys are kept this long (RFC 5321 §4.5.4.1: retries go on for 4-5 days). */
  dedupeKeyRetentionMs: 7 * 24 * 3600 * 1000,
  /** Command log: proposals waiting for the next group commit. Over it: 451 4.3.0 / NO [UNAVAILABLE]. */
  proposalsPendingMax: 10_000,
  /** Admin API: largest request body. Over it: HTTP 413, nothing changed. */
  adminRequestBytesMax: 1024 * 1024,
  /** Admin API: simultaneous connections on the admin socket. Over it: new connections are refused. */
  adminConnectionsMax: 64,
  /** Config file: largest accepted size. Over it: tandemd refuses to start with a config error. */
  configFileBytesMax: 1024 * 1024,
  /** Mailbox name length in bytes (UTF-8) and hierarchy depth. */
  mailboxNameBytesMax: 255,
  mailboxDepthMax: 16,
  /** Address length (RFC 5321 §4.5.3.1.3 path: 256 octets). */
  addressBytesMax: 254,
  /** Store: mailboxes per user. Over it: mailbox.create fails with NOPERM (IMAP NO [LIMIT]). */
  mailboxesPerUserMax: 1000,
  /** Store: flags + keywords on one message. Over it: the command fails with INVALID (IMAP NO [LIMIT]). */
  messageFlagsMax: 64,
  /** Store: alias chains are followed this deep; deeper (or a cycle) reaches nobody on that branch. */
  aliasExpansionDepthMax: 8,
  /** Store: longest dedupe key. Longer: message.deliver fails with INVALID (a proposer bug). */
  dedupeKeyBytesMax: 256,
  /** Store: expired dedupe keys removed per apply, so one apply never stalls on a large backlog. */
  dedupePrunePerApplyMax: 100,
  /**
   * Store: message files written ahead of apply (message-staging.ts), while the log makes their entries
   * durable. Over it: apply writes the file itself.
   */
  stagedMessagesMax: 64,
  /** Store: empty files a worker creates per request for staging (packages/store/src/spare-files.ts). */
  spareFilesBatch: 128,
  /** Store: fewer spare files ready than this asks the worker for another batch. */
  spareFilesLow: 64,
  /**
   * Store: spare files' creates averaging more than this many µs move the worker to a new directory
   * (another ext4 block group). Cheap creates cost 15–30 µs on this project's VMs, crowded groups 150–1,000.
   */
  spareCreateSlowUs: 80,
  /** Store: new spare directories tried per batch while creates stay slow. */
  spareDirectoryProbesMax: 8,
  /** Store: spare files made in one directory before the worker opens the next. */
  spareDirectoryFilesMax: 2048,
  /** Store: log entries of message commands applied under one commit (one LevelDB batch). The rest wait for the next commit. */
  applyBatchEntriesMax: 256,
  /**
   * Store: index rows applied but not yet written to LevelDB (one per key; mail-store.ts). Reached: they
   * are written as one unsynced batch. Checkpoints (limits.checkpointEntriesMax) usually write them first.
   */
  indexRowsPendingMax: 20_000,
  /** Store: parsed addresses remembered (packages/store/src/address.ts). Reached: all are forgotten at once. */
  parsedAddressCacheMax: 4096,
  /**
   * Store: entries applied since the last checkpoint before the next one starts in the background (it
   * fsyncs what they wrote, docs/architecture.md "Durability: the log, then checkpoints"). Reached: a
   * checkpoint starts while applies go on. The log keeps at least these entries, and a power cut makes
   * recovery apply (or redo the files of) at most about this many again.
   */
  checkpointEntriesMax: 1000,
  /** Store: a checkpoint starts at least this often while anything applied is not yet checkpointed. */
  checkpointIntervalMs: 1000,
  /**
   * Store: files and directories written since the last checkpoint, remembered so it can fsync them.
   * Half of it starts a checkpoint; reached: the next apply waits until a checkpoint has synced them.
   */
  checkpointPathsMax: 20_000,
  /**
   * Store: fsyncs one checkpoint keeps in flight (they share journal commits). Also capped at half of
   * libuv's thread pool (UV_THREADPOOL_SIZE), so applies and LevelDB always find a free thread.
   */
  checkpointFsyncsInFlightMax: 8,
  /**
   * Store: a checkpoint covering at least this many files and directories syncs their file system with
   * one syncfs(2) instead of an fsync each (packages/store/src/sync-file-system.ts). Below it: an fsync
   * per path (cheaper than starting `sync`, and it leaves other files on the disk alone).
   */
  checkpointSyncfsPathsMin: 64,
  /**
   * Store: expunged UIDs remembered per mailbox for QRESYNC (RFC 7162 §3.2.5.2, VANISHED). Over it: the
   * oldest expunge records are dropped and the mailbox's expunge-history floor rises to the MODSEQ of the
   * newest dropped one; a client resyncing from below the floor gets every UID it knows that is gone.
   */
  expungeHistoryUidsMax: 10_000,
  /**
   * Store snapshots: bytes per transfer chunk; each chunk's sha256 is in the snapshot manifest, so a
   * corrupt chunk is refused on its own and sent again. Reads of any length still work (they span chunks).
   */
  snapshotChunkBytes: 1024 * 1024,
  /** Store snapshots: one entry header in the archive. Over it: the archive is refused as corrupt. */
  snapshotHeaderBytesMax: 64 * 1024,
  /** Command log: a segment file grows to about this size, then a new one starts; applied segments are deleted. */
  commandLogSegmentBytesMax: 64 * 1024 * 1024,
  /**
   * Command log: the segment is zero-filled (and synced) this far ahead of the writes, so that each
   * group's synchronous write overwrites blocks the file has (no metadata to sync with it). Reached (a
   * group bigger than the filled part): that write grows the file, which is only slower.
   */
  commandLogZeroFillBytes: 4 * 1024 * 1024,
  /**
   * Command log: a group up to this size is written synchronously on the store's thread (the
   * acknowledgements' fastest path); a bigger one (large messages) through libuv's pool, so that the
   * thread — IMAP, the admin API — is not held while megabytes reach the disk.
   */
  commandLogSyncWriteBytesMax: 1024 * 1024,
  /** Command log: bytes written by one group commit (one fsync); the rest waits for the next group. */
  commandLogGroupBytesMax: 16 * 1024 * 1024,
  /**
   * IMAP: one command line, not counting literal data (RFC 7162 §4 asks servers to take at least 8192
   * octets). Over it: the rest of the line is read and dropped, and the command gets
   * BAD "Line too long" (tagged when the tag could be read); the session goes on.
   */
  imapLineBytesMax: 64 * 1024,
  /**
   * IMAP: one literal (an APPEND message, RFC 7889 APPENDLIMIT). Over it: a synchronising literal is
   * refused before "+" is sent (BAD/NO [TOOBIG], nothing read); a non-synchronising one (RFC 7888 §4)
   * is read and dropped, then the command gets BAD [TOOBIG].
   */
  imapLiteralBytesMax: 50 * 1024 * 1024,
  /** IMAP: all lines and literals of one command (MULTIAPPEND). Over it: like imapLiteralBytesMax. */
  imapCommandBytesMax: 100 * 1024 * 1024,
  /** IMAP: literals in one command. Over it: the rest of the command is dropped, BAD "Too many literals". */
  imapCommandLiteralsMax: 1000,
  /**
   * IMAP: nesting of parenthesised lists and of NOT/OR search keys in one command, so a hostile
   * "NOT NOT NOT ..." cannot exhaust the stack. Over it: BAD "Nested too deeply".
   */
  imapParseDepthMax: 64,
  /** IMAP: simultaneous sessions on all listeners. Over it: "* BYE [UNAVAILABLE] Too many connections" and the connection is closed. */
  imapSessionsMax: 5000,
  /** IMAP: simultaneous sessions from one client IP address. Over it: "* BYE [LIMIT] Too many connections from your address" and closed. */
  imapSessionsPerIpMax: 100,
  /** IMAP: simultaneous logged-in sessions of one user. Over it: LOGIN/AUTHENTICATE gets NO [LIMIT]; the session stays unauthenticated. */
  imapSessionsPerUserMax: 50,
  /**
   * IMAP: commands per second per session (token bucket that holds imapCommandBurstMax). Over it: the
   * session runs the next command only when a token is due (and stops reading meanwhile); nothing is refused.
   * High enough for sync clients that pipeline one UID FETCH per message (mbsync: ~1000 in a burst).
   */
  imapCommandsPerSecondMax: 5_000,
  imapCommandBurstMax: 10_000,
  /** IMAP: inactivity autologout once logged in (RFC 9051 §5.4: at least 30 minutes). Over it: "* BYE Autologout", closed. */
  imapIdleTimeoutMs: 30 * 60 * 1000,
  /** IMAP: inactivity before login (RFC 9051 §5.4 allows a shorter timer then). Over it: "* BYE Autologout", closed. */
  imapUnauthenticatedIdleTimeoutMs: 60 * 1000,
  /** IMAP: during IDLE (RFC 2177) an "* OK Still here" is sent this often, so NAT boxes keep the connection. */
  imapIdleKeepaliveMs: 2 * 60 * 1000,
  /** IMAP: client input buffered ahead of the command being run (pipelining). Over it: the socket is paused until the session catches up. */
  imapInputBufferBytesMax: 1024 * 1024,
  /** IMAP: output waits this long for a client that does not read its responses. Over it: the connection is closed. */
  imapOutputStallMs: 5 * 60 * 1000,
  /** IMAP: failed LOGIN/AUTHENTICATE attempts in one session. Over it: "* BYE Too many failed logins", closed. */
  imapAuthFailuresPerSessionMax: 5,
  /**
   * IMAP: messages whose parsed header, ENVELOPE and BODYSTRUCTURE are kept in memory (LRU, keyed by the
   * immutable message file). Over either bound the least recently used entries are dropped and parsed again when needed.
   */
  imapMessageCacheEntriesMax: 20_000,
  imapMessageCacheBytesMax: 64 * 1024 * 1024,
  /** IMAP: message files read in parallel by one FETCH/SEARCH/SORT/THREAD. More wait their turn (responses stay in order). */
  imapReadsInFlightMax: 16,
  /** IMAP: messages fetched per output batch; each batch is written and, if the socket is full, drained before the next. */
  imapFetchBatchMessages: 64,
  /** IMAP: on close(), sessions get "* BYE" and this long to take it before their sockets are destroyed. */
  imapShutdownDrainMs: 2_000,
  /**
   * MIME: body parts parsed in one message (Dovecot's max_total_mime_parts). Over it: no further part
   * boundaries are recognised; the rest stays in the body of the part being read.
   */
  mimePartsMax: 10_000,
  /**
   * MIME: nesting of multiparts and message/rfc822 parts. Over it: a deeper multipart or message is
   * treated as an opaque leaf (its bytes stay readable through BODY[section]).
   */
  mimeDepthMax: 100,
  /**
   * Replication (the Raft log, packages/replication): a log segment file grows to about this size, then
   * the next one starts (the full one fsynced first); segments wholly below a snapshot are deleted.
   */
  raftLogSegmentBytesMax: 64 * 1024 * 1024,
  /**
   * Replication: the largest log entry (one command: a message of messageSizeBytesMax plus its
   * envelope). Over it: propose() rejects with ProposalRejectedError, nothing proposed.
   */
  raftEntryBytesMax: 64 * 1024 * 1024,
  /** Replication: recently appended entries kept in memory for followers' reads; oldest evicted past it (then read from disk). */
  raftEntryCacheBytesMax: 16 * 1024 * 1024,
  /** Replication: one transport frame (after its length prefix). Over it: the connection is closed as a protocol error. */
  raftFrameBytesMax: 72 * 1024 * 1024,
  /**
   * Replication: bytes queued or in the socket per peer link. Over it: the message is dropped and the
   * peer reported unreachable; the leader falls back to probing it (Raft retransmits).
   */
  raftPeerInflightBytesMax: 32 * 1024 * 1024,
  /** Replication: a peer connection's authentication handshake. Not done within it: the connection is closed. */
  raftHandshakeTimeoutMs: 2_000,
  /** Replication: snapshot stream chunk; and chunks sent but not yet acknowledged (bounds a transfer's memory). */
  raftSnapshotChunkBytes: 1024 * 1024,
  raftSnapshotChunksInFlightMax: 4,
  /** Replication: proposals waiting for their entry to apply. Over it: ProposalRejectedError, nothing proposed. */
  raftProposalsPendingMax: 10_000,
  /** Raft: entry bytes in one appendEntries message (at least one entry always goes); a larger batch is split. */
  raftMessageBytesMax: 1024 * 1024,
  /** Raft: appendEntries messages in flight to one follower; when reached, more wait for its acknowledgements. */
  raftInflightMessagesMax: 256,
  /** Raft: bytes proposed on the leader and not yet committed. Over it: new proposals are rejected (ProposalRejectedError). */
  raftUncommittedBytesMax: 256 * 1024 * 1024,
  /**
   * Cluster: `tandem cluster status` waits this long for each other member's status (its metrics
   * listener, /v1/member). Over it: that member is shown "unreachable" with the reason.
   */
  clusterMemberStatusTimeoutMs: 1_500,
  /**
   * Cluster: `tandem cluster transfer` waits this long for the target to lead. Over it: the command
   * fails with TRANSFER_TIMEOUT (the Raft core aborts the transfer after an election timeout and the
   * old leader, fenced in its term, hands over again every clusterFencedHandOverRetryMs).
   */
  clusterTransferWaitMs: 5_000,
  /**
   * `tandem cluster add` of a data member waits this long for the new learner to catch up (a
   * snapshot of the whole store may have to cross) before it is made a voter; past it the command
   * says so, and running it again goes on from where it is.
   */
  clusterAddCatchUpMs: 30 * 60_000,
  /**
   * …and counts as caught up once it holds everything up to the leader's snapshot and lags the
   * commit index by at most this many entries: under
   * steady mail it may never stand at exactly zero when looked at, and a few entries are copied in
   * a heartbeat or two once it votes (thesis §4.2.1 promotes after a round that ends within an
   * election timeout; entries are the measure the leader has here).
   */
  clusterAddCaughtUpLagEntriesMax: 64,
  /** Cluster: a leader that may not serve in its term (lease lapsed, VIP lost) retries handing leadership over this often. */
  clusterFencedHandOverRetryMs: 1_000,
  /** Cluster: a hand-over waits at most this long for the VIP guard to release the address; then it proceeds (the guard drops it by itself at its lease). */
  clusterVipReleaseWaitMs: 10_000,
  /**
   * Outbound: how long a message may wait in the queue for a remote recipient (Postfix's
   * maximal_queue_lifetime is 5 days too). Past it the recipient fails with 4.4.7 and the sender
   * gets a delivery status notification (RFC 3464).
   */
  outboundQueueLifetimeMs: 5 * 24 * 3600_000,
  /**
   * Outbound: waits between attempts for a deferred recipient, by attempt number; the last one
   * repeats. Reached the end of the list: the last wait again, until outboundQueueLifetimeMs.
   */
  outboundRetryDelaysMs: [60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 3600_000, 2 * 3600_000, 4 * 3600_000] as readonly number[],
  /**
   * Outbound: a recipient still deferred this long after the message arrived gets its sender one
   * warning ("delayed", RFC 3464; Postfix's delay_warning_time, off by default there, 4h here).
   */
  outboundDelayWarningMs: 4 * 3600_000,
  /** Outbound: how often the serving node looks for queued messages whose next attempt is due. */
  outboundScanIntervalMs: 1_000,
  /** Outbound: messages being delivered at once. More due ones wait for the next scan. */
  outboundConcurrentDeliveriesMax: 8,
  /** Outbound: MX hosts (or their addresses) tried per destination in one attempt (RFC 5321 §5.1 lets a sender bound this). */
  outboundMxHostsMax: 5,
  /** Outbound: a DNS question (MX, A, AAAA) waits this long; past it the attempt is deferred (4.4.3). */
  outboundDnsTimeoutMs: 10_000,
  /** Outbound: connecting to a remote server, and each reply (RFC 5321 §4.5.3.2 asks for minutes; we stay under the queue's scan cadence). */
  outboundConnectTimeoutMs: 30_000,
  outboundReplyTimeoutMs: 5 * 60_000,
  /** Outbound: a bounce (RFC 3464) attaches the original whole up to this size, and only its header section past it (text/rfc822-headers). */
  outboundDsnOriginalBytesMax: 256 * 1024,
  /** Outbound: a remote server's reply kept with a queued recipient (and shown by `tandem queue list`) is cut to this. */
  outboundReplyCharsMax: 1_000,
  /** Archive: Subject, From and Message-ID are kept with each journal record (for search) up to this many characters. */
  archiveHeaderCharsMax: 998,
  /** Archive: records one archive.expire command may expire; the leader proposes again while more are due. */
  archiveExpirePerCommandMax: 1_000,
  /** Archive: how often the serving node checks for records past the retention. */
  archiveExpireIntervalMs: 3600_000,
  /** Archive: records one `tandem archive search` returns (the count of matches is whole). */
  archiveSearchResultsMax: 1_000,
  /** Outbound: the queue's entries shown by `tandem queue list` (the count is always whole). */
  outboundQueueListMax: 1_000,
} as const;

export type Limits = typeof limits;
