#!/bin/sh
# Stand-in for MinIO: s3s-fs, a real S3 server, with the root credentials
# MinIO reads, behind nginx on MinIO's S3 port. nginx answers MinIO's health
# paths (200 once s3s-fs answers at all; s3s-fs itself says 403 there) and
# passes everything else through unchanged, so the shipped template's probe
# and real S3 clients both work. MinIO's own arguments (server /data ...) are
# accepted and ignored.
mkdir -p /data /tmp/nginx
/usr/local/bin/s3s-fs --host 127.0.0.1 --port 9002 \
  --access-key "${MINIO_ROOT_USER:?}" --secret-key "${MINIO_ROOT_PASSWORD:?}" /data &
exec /usr/sbin/nginx -e stderr -p /tmp/nginx -c /etc/nginx/nginx.conf
