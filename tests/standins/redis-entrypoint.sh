#!/bin/sh
# Stand-in for the official redis image's entrypoint: accepts `redis-server
# ...` or bare `--flags`, and runs with protected mode off like the official
# image. A config file, if given, stays the first argument.
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = "redis-server" ]; then
  shift
  conf=""
  if [ -n "$1" ] && [ "${1#-}" = "$1" ]; then conf="$1"; shift; fi
  exec /usr/local/bin/redis-server $conf --protected-mode no --bind '* -::*' --dir /data "$@"
fi
exec "$@"
