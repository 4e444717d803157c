#!/usr/bin/env bash
# Installs the LemonLDAP::NG 2.16 Debian packages the end-to-end tests run (contract §1) when
# they are missing. No service may start during the install: a policy-rc.d that exits 101 is
# put in place for it and removed afterwards, unless one was already there. `apt-get update`
# runs only when the first install attempt cannot find the packages.
set -euo pipefail

PACKAGES=(
  liblemonldap-ng-manager-perl
  liblemonldap-ng-portal-perl
  lemonldap-ng-fastcgi-server
  # "Recommends" only, but the portal does not initialise without them
  libgd-securityimage-perl
  libimage-magick-perl
  libstring-random-perl
  libio-string-perl
  # Plack::Middleware::Auth::Basic and plackup
  libplack-perl
)

installed() {
  local statuses
  statuses=$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null) || return 1
  ! grep -qv '^install ok installed$' <<<"$statuses"
}

if installed; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

apt_install() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${PACKAGES[@]}" >/dev/null
}

if ! apt_install 2>/dev/null; then
  "${SUDO[@]}" apt-get update -qq
  apt_install
fi
installed
