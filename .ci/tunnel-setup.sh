#!/bin/bash
# .ci/tunnel-setup.sh — what tests/tunnel/ needs on a fresh Debian 12 machine (run as root). Idempotent.
# The tests start their own throwaway sshd (own host key, own config, free loopback port) from
# /usr/sbin/sshd; installing openssh-server does not start the system sshd on CI (policy-rc.d exits 101).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "tunnel-setup: must run as root" >&2; exit 1; }
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
mkdir -p /run/sshd   # sshd's privilege separation directory
echo "tunnel-setup: $(/usr/sbin/sshd -V 2>&1 | head -1 || true)"
