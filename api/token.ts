/**
 * `npm run token -- --role case-system --municipality GM0363 [--sub regisseur-1] [--escalation-roles teamleider,wethouder] [--expires 8h]`
 *
 * Mints a bearer token for local development and trials, signed with WAAKVLAM_JWT_SECRET when set, else with the
 * public local development key that `npm start` accepts when nothing is configured. Prints only the token.
 */
import { parseArgs } from 'node:util';
import { DEV_SECRET, ROLES, signToken, type Role } from './auth.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    municipality: { type: 'string', default: 'GM0363' },
    sub: { type: 'string' },
    'escalation-roles': { type: 'string' },
    expires: { type: 'string', default: '8h' },
  },
});
const role = values.role as Role | undefined;
if (!role || !ROLES.includes(role) || !/^GM\d{4}$/.test(values.municipality!)) {
  console.error(`usage: npm run --silent token -- --role ${ROLES.join('|')} [--municipality GM0363] [--sub who] [--escalation-roles a,b] [--expires 8h]`);
  process.exit(2);
}
const token = await signToken(process.env.WAAKVLAM_JWT_SECRET || DEV_SECRET, {
  subject: values.sub ?? `dev-${role}`,
  municipality: values.municipality!,
  role,
  ...(values['escalation-roles'] ? { escalationRoles: values['escalation-roles'].split(',') } : {}),
  expiresIn: values.expires!,
});
console.log(token);
