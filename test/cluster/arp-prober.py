#!/usr/bin/env python3
# ARP prober for test/cluster: asks "who has TARGET?" on IFACE every INTERVAL ms and prints, for each
# probe window (from one request to the next), every MAC address that answered. A raw AF_PACKET socket
# is used instead of arping because arping's output does not say which request a reply belongs to, and
# "two MACs answered the same request" is exactly what the split-brain checker must see.
#
# usage: arp-prober.py IFACE SOURCE_IP TARGET_IP INTERVAL_MS DURATION_MS_MAX
# stdout (one line each, flushed; times are CLOCK_MONOTONIC milliseconds, the clock Node's
# process.hrtime uses, so the test process can compare them with its own):
#   READY <own-mac>
#   W <seq> <sent-ms> <mac,mac,...|->      one probe window and the MACs that answered it
#   G <ms> <mac> <op>                      a gratuitous ARP for TARGET (sender IP == target IP == TARGET)
#   END <reason>
# It stops on stdin EOF or "stop" (the test process went away or asked), on SIGTERM, or after
# DURATION_MS_MAX so that a leaked prober cannot run forever.
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806
PACKET_OUTGOING = 4
ARP_REQUEST = 1
ARP_REPLY = 2


def mac_text(raw):
    return ':'.join('%02x' % b for b in raw)


def main():
    iface, source_ip, target_ip, interval_ms, duration_ms_max = sys.argv[1:6]
    interval_s = int(interval_ms) / 1000.0
    stop_at = time.monotonic() + int(duration_ms_max) / 1000.0
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    sock.bind((iface, ETH_P_ARP))
    own_mac = sock.getsockname()[4]
    source = socket.inet_aton(source_ip)
    target = socket.inet_aton(target_ip)
    # RFC 826: Ethernet broadcast, then htype 1, ptype IPv4, hlen 6, plen 4, op request.
    request = (b'\xff' * 6 + own_mac + struct.pack('!H', ETH_P_ARP)
               + struct.pack('!HHBBH', 1, 0x0800, 6, 4, ARP_REQUEST)
               + own_mac + source + b'\x00' * 6 + target)
    out = sys.stdout
    out.write('READY %s\n' % mac_text(own_mac))
    out.flush()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append('sigterm'))
    stdin_fd = sys.stdin.fileno()
    seq = 0
    while not stopping:
        now = time.monotonic()
        if now >= stop_at:
            stopping.append('duration')
            break
        seq += 1
        sent = time.monotonic()
        sock.send(request)
        window_end = sent + interval_s
        macs = []
        while not stopping:
            left = window_end - time.monotonic()
            if left <= 0:
                break
            try:
                ready, _, _ = select.select([sock, stdin_fd], [], [], left)
            except InterruptedError:
                continue
            if stdin_fd in ready:
                line = os.read(stdin_fd, 4096)
                if not line or b'stop' in line:
                    stopping.append('stdin')
                    break
            if sock in ready:
                frame, address = sock.recvfrom(2048)
                if address[2] == PACKET_OUTGOING or len(frame) < 42:
                    continue
                op, = struct.unpack('!H', frame[20:22])
                sender_mac, sender_ip = frame[22:28], frame[28:32]
                target_mac, target_ip_seen = frame[32:38], frame[38:42]
                if sender_ip != target:
                    continue
                if target_ip_seen == target:
                    out.write('G %.3f %s %d\n' % (time.monotonic() * 1000, mac_text(sender_mac), op))
                    out.flush()
                elif op == ARP_REPLY and target_ip_seen == source:
                    text = mac_text(sender_mac)
                    if text not in macs:
                        macs.append(text)
        out.write('W %d %.3f %s\n' % (seq, sent * 1000, ','.join(macs) if macs else '-'))
        out.flush()
    out.write('END %s\n' % stopping[0])
    out.flush()


if __name__ == '__main__':
    try:
        main()
    except BrokenPipeError:
        pass
