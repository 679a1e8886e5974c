#!/bin/sh
# Stand-in for MinIO: s3s-fs, a real S3 server, on MinIO's S3 port with the
# root credentials MinIO reads. MinIO's own arguments (server /data ...) are
# accepted and ignored.
mkdir -p /data
exec /usr/local/bin/s3s-fs --host 0.0.0.0 --port 9000 \
  --access-key "${MINIO_ROOT_USER:?}" --secret-key "${MINIO_ROOT_PASSWORD:?}" /data
