#!/bin/sh
# Stand-in for the official redis image's entrypoint: accepts `redis-server ...`
# or bare `--flags`, and runs with protected mode off like the official image.
if [ "${1#-}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = "redis-server" ]; then
  shift
  exec /usr/local/bin/redis-server --protected-mode no --bind 0.0.0.0 --dir /data "$@"
fi
exec "$@"
