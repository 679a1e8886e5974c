#!/bin/sh
# Stand-in for the official mysql and mariadb images: Debian's MariaDB
# 10.11 with their contract. MYSQL_* or MARIADB_* (ROOT_PASSWORD, USER,
# PASSWORD, DATABASE); on an empty /var/lib/mysql it installs the system
# tables, sets the root password, creates the database and the user (all
# privileges on it), and runs /docker-entrypoint-initdb.d/*.sql in order
# (a failing script ends the container with the server's error), all with
# networking off; only then does it listen on TCP 3306. MariaDB
# authenticates with mysql_native_password where MySQL 8.4 uses
# caching_sha2_password: clients negotiate either.
set -eu
root_pw="${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}"
user="${MARIADB_USER:-${MYSQL_USER:-}}"
password="${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}"
db="${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}"
case "${1:-}" in mysqld|mariadbd) shift ;; esac
datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown -R mysql:mysql "$datadir" /run/mysqld
if [ ! -d "$datadir/mysql" ]; then
  : "${root_pw:?the image needs MYSQL_ROOT_PASSWORD or MARIADB_ROOT_PASSWORD}"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking \
    --socket=/run/mysqld/init.sock >/tmp/init.log 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    mariadb-admin --socket=/run/mysqld/init.sock ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  sql() { mariadb --socket=/run/mysqld/init.sock -uroot "$@"; }
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$root_pw';"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$root_pw'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    [ -n "$db" ] && echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"
    if [ -n "$user" ]; then
      echo "CREATE USER '$user'@'%' IDENTIFIED BY '$password';"
      [ -n "$db" ] && echo "GRANT ALL ON \`$db\`.* TO '$user'@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | sql
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sql) echo "running $f"; sql -p"$root_pw" ${db:+"$db"} < "$f" ;;
      *) echo "ignoring $f" ;;
    esac
  done
  kill "$pid"; wait "$pid" || true
  echo "MariaDB init process done. Ready for start up."
fi
exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 --port=3306 "$@"
