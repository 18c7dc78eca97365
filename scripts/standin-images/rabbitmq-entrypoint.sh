#!/bin/sh
# Entrypoint of the local stand-in for the official rabbitmq:*-management image (built by
# scripts/standin-images.sh from Debian's rabbitmq-server where no registry can be reached).
# It honours what the official image and Testcontainers rely on: RABBITMQ_DEFAULT_USER / _PASS /
# _VHOST, extra configuration in /etc/rabbitmq/conf.d/*.conf, the management plugin enabled, and
# the log on the console (Testcontainers waits for "Server startup complete").
set -e
if [ "$(id -u)" = 0 ]; then
  mkdir -p /etc/rabbitmq/conf.d
  # 10-defaults.conf like the official image; files mounted beside it (20-*.conf) come later and win.
  cat >/etc/rabbitmq/conf.d/10-defaults.conf <<CONF
loopback_users = none
listeners.tcp.default = 5672
management.tcp.port = 15672
default_user = ${RABBITMQ_DEFAULT_USER:-guest}
default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}
default_vhost = ${RABBITMQ_DEFAULT_VHOST:-/}
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
log.console = true
log.console.level = info
log.file = false
CONF
  # The configuration stays root's (readable; files may be mounted read-only); the data is the broker's.
  chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
  # setpriv, not runuser/su: those stay as a parent that swallows the stop signal's effect for 10 s.
  exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups "$0" "$@"
fi
export HOME=/var/lib/rabbitmq
exec "$@"
