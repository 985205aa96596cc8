#!/bin/bash
# .ci/metrics-setup.sh — what tests/transports/test_prometheus_scrape.py needs on a fresh Debian 12 machine (root).
# Idempotent.
#
#   Debian prometheus   /usr/bin/prometheus, /usr/bin/promtool: the README's scrape config, run by a real Prometheus
#
# The package's own service is neither needed nor wanted: the test starts its own Prometheus on a free loopback port
# with a temporary data directory. On a machine where systemd runs, the packaged service is stopped and disabled.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "metrics-setup: must run as root" >&2; exit 1; }
if ! dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q 'install ok installed'; then
  apt-get update -q >/dev/null
  # policy-rc.d 101: the package installs without starting its service (no Prometheus left listening on :9090);
  # a machine's own policy-rc.d is left as it is.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null
fi
if [ -d /run/systemd/system ]; then
  systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
command -v prometheus >/dev/null && command -v promtool >/dev/null
