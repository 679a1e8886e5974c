#!/bin/sh
# Stand-in for mailhog/mailhog and axllent/mailpit: MailDev with the real
# image's API in front (mail-front.js; MAIL_STANDIN_API picks which).
exec /usr/local/bin/node /app/mail-front.js "$@"
