/**
 * Request and response shapes of the codec server (`/v1/codec`, api/routes/codec.ts): Temporal's remote codec
 * protocol (`{ payloads: [{ metadata: { key: base64 }, data: base64 }] }`, the JSON form of `temporal.api.common.v1.Payloads`)
 * and the cookie session of the Web UI's operators. Every field is described, with an example, as in api/schemas.ts.
 */
import { z } from 'zod';

/** Payloads one request may carry (the Web UI sends an event's, or a page of them). */
export const MAX_CODEC_PAYLOADS = 1_000;

const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'is not base64');

const Payload = z
  .object({
    metadata: z
      .record(z.string().max(256), Base64.meta({ description: 'A metadata value, base64.', examples: ['YmluYXJ5L2VuY3J5cHRlZA=='] }))
      .meta({
        description:
          'The payload\'s metadata, each value base64. An encrypted payload has `encoding` `binary/encrypted`, `encryption-key-id` (`<municipality>/<label>`) and `waakvlam-workflow-id`.',
        examples: [{ encoding: 'YmluYXJ5L2VuY3J5cHRlZA==', 'encryption-key-id': 'R00wMzYzLzIwMjYtMTI=', 'waakvlam-workflow-id': 'R00wMzYzLVpBQUstMjAyNi0wMDQy' }],
      })
      .optional(),
    data: Base64.meta({ description: 'The payload\'s data, base64 (encrypted: IV, AES-256-GCM ciphertext and tag).', examples: ['eyJjYXNlUmVmIjoiWkFBSy0yMDI2LTAwNDIifQ=='] }).optional(),
  })
  .meta({ description: 'A Temporal payload in its JSON form (other fields of the protocol buffer are ignored).' });

/** The body of `/decode` and `/encode`, and their answer: Temporal's remote codec protocol. */
export const CodecPayloads = z
  .object({
    payloads: z
      .array(Payload)
      .max(MAX_CODEC_PAYLOADS)
      .meta({ description: `The payloads, in order (at most ${MAX_CODEC_PAYLOADS}); the answer has as many, in the same order.` }),
  })
  .meta({ description: "Temporal's remote codec protocol: a list of payloads." });

export type CodecPayloadsJson = z.output<typeof CodecPayloads>;

const Jwt = z
  .string()
  .min(1)
  .max(8_192)
  .regex(/^[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*$/, 'is not a JWT')
  .meta({ description: 'An operator\'s bearer token (the JWT itself, without `Bearer `).', examples: ['eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoib3BlcmF0b3IifQ.c2lnbmF0dXJl'] });

export const CodecSessionRequest = z.strictObject({ token: Jwt }).meta({ description: 'The token to keep in the codec session cookie.' });

export const CodecSession = z
  .strictObject({
    subject: z.string().meta({ description: "The token's subject: who the codec server records in its access log.", examples: ['beheerder-2'] }),
    municipality: z.string().meta({ description: 'The municipality whose payloads the session decodes.', examples: ['GM0363'] }),
    expiresAt: z.string().meta({ description: 'When the cookie expires: when the token does, or sooner.', examples: ['2026-12-02T19:14:03.000Z'] }),
  })
  .meta({ description: 'The session the cookie now holds.' });
