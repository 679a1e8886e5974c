// Stand-in for the MailHog and Mailpit images: MailDev, a real SMTP capture
// server built on nodemailer's own smtp-server (so nodemailer, smtplib and
// curl all deliver to it), on port 1025; and on 8025 the JSON API of the
// image it stands in for, at that image's paths and in its shapes:
//   MAIL_STANDIN_API=mailhog  GET /api/v2/messages  {total, count, start, items}
//                             GET /api/v1/messages  [items]
//   MAIL_STANDIN_API=mailpit  GET /api/v1/messages  {total, count, messages, ...}
//                             GET /api/v1/message/ID
// The HTTP side listens only once SMTP does, as the real images' do.
'use strict';
const fs = require('fs');
const http = require('http');
// MailHog and Mailpit greet at once; smtp-server first looks up the
// client's name in DNS, which in a container can take a while. Turned off
// before MailDev loads smtp-server.
const smtp = require(__dirname + '/node_modules/smtp-server');
const Server = smtp.SMTPServer;
smtp.SMTPServer = class extends Server {
  constructor(options) {
    super({ ...options, disableReverseLookup: true });
  }
};
// smtp-server also holds its greeting back 100 ms to catch clients that
// talk too soon; MailHog and Mailpit greet as soon as a client connects.
const { SMTPConnection } = require(__dirname + '/node_modules/smtp-server/dist/cjs/smtp-connection.js');
SMTPConnection.prototype.init = function init() {
  this._setListeners(() => {
    const limit = this._server.options.maxClients;
    if (limit && this._server.connections.size > limit) {
      return this.send(421, this.name + ' Too many connected clients, try again in a moment', false);
    }
    this.connectionReady();
  });
};
const MailDev = require(__dirname + '/node_modules/maildev');

const flavour = process.env.MAIL_STANDIN_API || 'mailhog';
const maildev = new MailDev({
  smtp: 1025,
  ip: '0.0.0.0',
  disableWeb: true,
  silent: true,
  mailDirectory: '/tmp/mail',
});

function split(address) {
  const at = address.lastIndexOf('@');
  return { Relays: null, Mailbox: address.slice(0, at), Domain: address.slice(at + 1), Params: '' };
}

function named(list) {
  return (list || []).map((a) => ({ Name: a.name || '', Address: a.address }));
}

function mailhogItem(email) {
  const from = email.envelope.from ? email.envelope.from.address : email.from[0].address;
  const to = email.envelope.to.map((r) => r.address);
  const raw = fs.readFileSync(email.source, 'utf8');
  return {
    ID: email.id + '@mailhog.example',
    From: split(from),
    To: to.map(split),
    Content: {
      Headers: {
        Subject: [email.subject || ''],
        From: [(email.from || []).map((a) => a.address).join(', ')],
        To: [(email.to || []).map((a) => a.address).join(', ')],
      },
      Body: email.text || '',
      Size: email.size,
      MIME: null,
    },
    Created: new Date(email.time).toISOString(),
    MIME: null,
    Raw: { From: from, To: to, Data: raw, Helo: email.envelope.host || '' },
  };
}

function mailpitSummary(email) {
  return {
    ID: email.id,
    MessageID: email.messageId || '',
    Read: false,
    From: named(email.from)[0] || { Name: '', Address: '' },
    To: named(email.to),
    Cc: named(email.cc),
    Bcc: [],
    ReplyTo: named(email.replyTo),
    Subject: email.subject || '',
    Created: new Date(email.time).toISOString(),
    Tags: [],
    Size: email.size,
    Attachments: (email.attachments || []).length,
    Snippet: (email.text || '').trim().slice(0, 250),
  };
}

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function route(req, res, emails) {
  const path = new URL(req.url, 'http://stand-in').pathname;
  if (path === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    return res.end(`<html><body>${flavour} stand-in (MailDev)</body></html>`);
  }
  if (flavour === 'mailhog' && path === '/api/v2/messages') {
    const items = emails.map(mailhogItem);
    return json(res, 200, { total: items.length, count: items.length, start: 0, items });
  }
  if (flavour === 'mailhog' && path === '/api/v1/messages') {
    return json(res, 200, emails.map(mailhogItem));
  }
  if (flavour === 'mailpit' && path === '/api/v1/messages') {
    const messages = emails.map(mailpitSummary);
    return json(res, 200, {
      total: messages.length, unread: messages.length, count: messages.length,
      messages_count: messages.length, start: 0, tags: [], messages,
    });
  }
  const one = flavour === 'mailpit' && path.match(/^\/api\/v1\/message\/([^/]+)$/);
  if (one) {
    const email = emails.find((e) => e.id === one[1]);
    if (!email) return json(res, 404, { error: 'message not found' });
    return json(res, 200, { ...mailpitSummary(email), Text: email.text || '', HTML: email.html || '' });
  }
  json(res, 404, { error: 'not found' });
}

maildev.listen((err) => {
  if (err) throw err;
  http.createServer((req, res) => {
    maildev.getAllEmail((error, emails) => {
      if (error) return json(res, 500, { error: String(error) });
      try {
        route(req, res, emails);
      } catch (e) {
        json(res, 500, { error: String(e) });
      }
    });
  }).listen(8025, '0.0.0.0');
});
