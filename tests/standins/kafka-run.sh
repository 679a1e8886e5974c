#!/bin/sh
# Stand-in for the apache/kafka image's /etc/kafka/docker/run: tansu 0.6.0,
# a Kafka-compatible broker keeping its data in SQLite, configured from the
# image's variables:
#   KAFKA_LISTENERS             listen on the port of the first listener
#                               that is not a controller's (those named in
#                               KAFKA_CONTROLLER_LISTENER_NAMES, CONTROLLER
#                               by default); default PLAINTEXT://:9092,...
#   KAFKA_ADVERTISED_LISTENERS  advertise that listener's entry here (by
#                               name, else the first non-controller one);
#                               default PLAINTEXT://localhost:9092
#   KAFKA_LOG_DIRS              the first folder holds tansu.db; default
#                               /tmp/kraft-combined-logs, as the image's
#   CLUSTER_ID                  default 5L6g3nShT-eMCtK--X86sw, as the image's
# KRaft's own settings (KAFKA_NODE_ID, KAFKA_PROCESS_ROLES,
# KAFKA_CONTROLLER_QUORUM_VOTERS, replication factors, ...) mean nothing to
# tansu and are ignored. tansu creates no topic on first use.
set -eu
controllers=",${KAFKA_CONTROLLER_LISTENER_NAMES:-CONTROLLER},"

# Prints "name host port" (host "-" when empty) of the listener named $2
# in the list $1, or of the first that is not a controller's when there is
# no such name.
pick() {
  first="" found=""
  old_ifs="$IFS"; IFS=,
  for entry in $1; do
    entry="${entry# }"; entry="${entry% }"
    name="${entry%%://*}" rest="${entry#*://}"
    case "$controllers" in *",$name,"*) continue ;; esac
    host="${rest%:*}"
    line="$name ${host:--} ${rest##*:}"
    [ -n "$first" ] || first="$line"
    if [ "$name" = "${2:-}" ]; then found="$line"; break; fi
  done
  IFS="$old_ifs"
  echo "${found:-$first}"
}

listeners="${KAFKA_LISTENERS:-PLAINTEXT://:9092,CONTROLLER://:9093}"
# shellcheck disable=SC2046
set -- $(pick "$listeners")
[ $# -eq 3 ] || { echo "run: no broker listener in KAFKA_LISTENERS=$listeners" >&2; exit 1; }
name="$1" port="$3" listen_host="$2"
[ "$listen_host" != - ] || listen_host=0.0.0.0
# shellcheck disable=SC2046
set -- $(pick "${KAFKA_ADVERTISED_LISTENERS:-PLAINTEXT://localhost:9092}" "$name")
[ $# -eq 3 ] || { echo "run: no broker listener in KAFKA_ADVERTISED_LISTENERS" >&2; exit 1; }
# No host: Kafka advertises the machine's name.
if [ "$2" = - ]; then advertised="$(cat /etc/hostname):$3"; else advertised="$2:$3"; fi

dir="${KAFKA_LOG_DIRS:-/tmp/kraft-combined-logs}"
dir="${dir%%,*}"
mkdir -p "$dir"
# tansu opens sqlite://PATH relative to its working folder.
cd "$dir"
echo "===> tansu on $listen_host:$port, advertising $advertised, data in $dir/tansu.db"
exec /usr/local/bin/tansu broker \
  --cluster-id "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" \
  --listener-url "tcp://$listen_host:$port" \
  --advertised-listener-url "tcp://$advertised" \
  --storage-engine sqlite://tansu.db
