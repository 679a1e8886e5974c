#!/bin/sh
# Stand-in for mailhog/mailhog: mailtutan, a real SMTP capture server with a
# web UI and a JSON API at /api/messages, on MailHog's ports.
exec /usr/local/bin/mailtutan --ip 0.0.0.0 --smtp-port 1025 --http-port 8025 "$@"
