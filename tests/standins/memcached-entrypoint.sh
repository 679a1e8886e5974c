#!/bin/sh
# Stand-in for the official memcached image: Debian's memcached, as the
# image runs it (`memcached ARGS` or bare flags).
set -eu
if [ "${1:-}" = memcached ]; then shift; fi
exec memcached -u memcache -l 0.0.0.0 -p 11211 "$@"
