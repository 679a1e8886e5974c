#!/bin/sh
# Stand-in for the official rabbitmq management image: Debian's RabbitMQ
# 3.10 with the image's contract. RABBITMQ_DEFAULT_USER / _PASS / _VHOST
# become the default user (allowed from other hosts), AMQP on 5672, the
# management plugin on 15672, data in /var/lib/rabbitmq.
set -eu
mkdir -p /etc/rabbitmq /var/lib/rabbitmq
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
default_user = ${RABBITMQ_DEFAULT_USER:-guest}
default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}
default_vhost = ${RABBITMQ_DEFAULT_VHOST:-/}
loopback_users = none
listeners.tcp.default = 5672
management.tcp.port = 15672
CONF
echo "[rabbitmq_management]." > /etc/rabbitmq/enabled_plugins
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq
export HOME=/var/lib/rabbitmq
# Straight to the server as its user (Debian's wrapper goes through `su`,
# which keeps SIGTERM from reaching it, so it could not shut down cleanly).
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server
