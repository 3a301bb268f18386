/**
 * Real receivers for notifications, in the test process: an HTTP webhook receiver that can be "down", and an SMTP
 * server (the smtp-server package) that keeps every message.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** Whether the receiver accepted it (2xx). */
  accepted: boolean;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** While true, every delivery gets a 503. */
  down = false;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const accepted = !this.down;
        this.received.push({ headers: req.headers as Record<string, string>, body, accepted });
        res.statusCode = accepted ? 204 : 503;
        res.end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/events`;
  }

  /** Accepted deliveries, parsed. */
  accepted(): Array<{ id: string; type: string; subject: string; time: string; data: any; headers: Record<string, string>; body: string }> {
    return this.received.filter((r) => r.accepted).map((r) => ({ ...JSON.parse(r.body), headers: r.headers, body: r.body }));
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
}

/** Decodes RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=) in a folded header. */
export function decodeWords(header: string): string {
  return header
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

export class MailServer {
  readonly messages: ReceivedMail[] = [];
  /** Recipients at this domain are refused for good (550), as a server refuses an address it does not know. */
  static readonly REFUSED_DOMAIN = 'onbekend.example';
  /** Recipients refused for the time being (451) the next time they are named, once each: a retry reaches them. */
  readonly deferOnce = new Set<string>();
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.deferOnce.delete(address.address)) {
          return callback(Object.assign(new Error(`try again later: ${address.address}`), { responseCode: 451 }));
        }
        if (address.address.endsWith(`@${MailServer.REFUSED_DOMAIN}`)) {
          return callback(Object.assign(new Error(`no such user: ${address.address}`), { responseCode: 550 }));
        }
        callback();
      },
      onData: (stream, session, callback) => {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => {
          const subject = decodeWords(/^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '');
          this.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            subject,
          });
          callback();
        });
      },
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server!.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
