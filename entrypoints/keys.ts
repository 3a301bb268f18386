/**
 * `npm run --silent keys -- --municipality GM0363 [--label 2026-12]`
 *
 * Makes a new random encryption key (32 bytes, AES-256) for a municipality and prints it as a key file (WAAKVLAM_KEYS_FILE,
 * runtime/config.ts): for a new municipality add its block under `municipalities:`; for one that has keys, add the
 * key's line under its `keys:` (see the README, "Encryption at rest", for rotating). The label
 * defaults to the current year and month (UTC). Nothing is written anywhere: the output is the only copy.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MUNICIPALITY } from '../runtime/keys.js';

const USAGE = "usage: npm run --silent keys -- --municipality GM0363 [--label 2026-12]  (a label is 1–64 letters, digits, '.', '_' or '-'; default: this year and month, UTC)";
let values: { municipality?: string; label?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      municipality: { type: 'string' },
      label: { type: 'string', default: new Date().toISOString().slice(0, 7) },
      help: { type: 'boolean' },
    },
  }));
} catch (err) {
  console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const { municipality, label } = values;
if (!municipality || !MUNICIPALITY.test(municipality) || !/^[A-Za-z0-9._-]{1,64}$/.test(label!)) {
  console.error(USAGE);
  process.exit(2);
}
console.log(
  [
    `# ${municipality}/${label}: a new key. A new key file: this document. A new municipality: its block under "municipalities:".`,
    `# A municipality with keys: add the "'${label}': ..." line under its keys, restart every worker and API, and only`,
    `# then set its current to '${label}' (and restart again). Keep every older key: it still decrypts what it encrypted.`,
    `municipalities:`,
    `  ${municipality}:`,
    `    current: '${label}'`,
    `    keys:`,
    `      '${label}': '${randomBytes(32).toString('base64')}'`,
  ].join('\n'),
);
