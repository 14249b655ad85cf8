#!/bin/sh
# Removes this node's virtual IP if it is configured here. Used as ExecStopPost= of tandemd.service,
# so the address goes when the service stops however it stopped (the VIP guard normally removes it
# first; this covers a guard that was killed too), and by hand after a crash:
#
#   vip-release.sh [CONFIG]          CONFIG defaults to /etc/tandem/tandem.json
#
# It reads cluster.vip.address ("10.0.0.5/24"), cluster.vip.interface ("eth0") and, on clouds,
# cluster.vip.hook (a script run as `HOOK del VIP IFACE`, as the guard does). The environment
# variables TANDEM_VIP, TANDEM_VIP_DEV and TANDEM_VIP_HOOK override the file. Idempotent: an absent
# address is success. Exit status: 0 removed or absent, 1 removal failed, 2 bad config.
set -eu

config=${1:-/etc/tandem/tandem.json}
node=${TANDEM_NODE:-node}
say() { echo "vip-release: $*" >&2; }

vip=${TANDEM_VIP:-}
dev=${TANDEM_VIP_DEV:-}
hook=${TANDEM_VIP_HOOK:-}
if [ -z "$vip" ] || [ -z "$dev" ]; then
  if [ ! -r "$config" ]; then
    say "cannot read $config and TANDEM_VIP/TANDEM_VIP_DEV are not set"
    exit 2
  fi
  # JSON is read with node (tandemd's own runtime, so it is installed); printed one value a line.
  values=$("$node" -e '
    const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = (c.cluster && c.cluster.vip) || {};
    for (const k of ["address", "interface", "hook"]) console.log(typeof v[k] === "string" ? v[k] : "");
  ' "$config") || { say "cannot parse $config"; exit 2; }
  vip=${vip:-$(printf '%s\n' "$values" | sed -n 1p)}
  dev=${dev:-$(printf '%s\n' "$values" | sed -n 2p)}
  hook=${hook:-$(printf '%s\n' "$values" | sed -n 3p)}
fi

if [ -z "$vip" ]; then
  say "no VIP configured (cluster.vip.address): nothing to do"
  exit 0
fi
# Refuse anything that is not plainly an IPv4 address and an interface name before using them.
if ! printf '%s' "$vip" | grep -Eq '^[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?$'; then
  say "cluster.vip.address \"$vip\" is not an IPv4 address like 10.0.0.5/24"
  exit 2
fi
if ! printf '%s' "$dev" | grep -Eq '^[A-Za-z0-9_.-]{1,15}$'; then
  say "cluster.vip.interface \"$dev\" is not an interface name"
  exit 2
fi
case "$vip" in */*) ;; *) vip="$vip/32" ;; esac
ip_only=${vip%/*}

if [ -n "$hook" ]; then
  if "$hook" del "$vip" "$dev"; then
    say "hook $hook removed $vip from $dev"
    exit 0
  fi
  say "hook $hook failed to remove $vip from $dev"
  exit 1
fi

if ! ip -4 -o addr show dev "$dev" | grep -q " inet $ip_only/"; then
  say "$ip_only is not on $dev: nothing to do"
  exit 0
fi
if ip -4 addr del "$vip" dev "$dev"; then
  say "removed $vip from $dev"
  exit 0
fi
say "FAILED to remove $vip from $dev: remove it by hand (ip -4 addr del $vip dev $dev) before another node takes it"
exit 1
