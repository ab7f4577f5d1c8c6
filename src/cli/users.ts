import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import type { ApiTokenGrant } from '../domain/prices.js';
import type { OwnedTokenRecord, UserRecord } from '../domain/users.js';
import { isoUtc, systemClock, type Clock } from '../platform/clock.js';
import { openStorage } from '../storage/database.js';
import { CliDatabaseError, cliDatabase, databaseOptions } from './database.js';
import { UserRepository, UserTokenRepository } from '../storage/user-repository.js';
import { AuditRepository } from '../storage/audit-repository.js';
import { newApiToken } from '../http/auth/api-tokens.js';
import { covers } from '../http/auth/access.js';
import { ALL, ROLES, describeGrant, grantOf, isRole } from '../http/auth/roles.js';
import { UserInputError, checkGrants, createUser } from '../http/auth/user-accounts.js';

const USAGE = `usage: npm run users -- <command> [options]

  create        --username U --name N --role ROLE --scope ID|* [--password-file FILE]
                Creates a user with one grant. The password (at least 12 characters) is the first line of
                --password-file or of standard input; never an argument, which shell history and ps would keep.
  grant         --username U --role ROLE --scope ID|*       Adds a grant to a user.
  disable       --username U                              Disables a user: ends its sessions, revokes its tokens.
  list                                                    Users with their grants.
  token         --user U [--name N] [--role ROLE --scope ID] [--expires-days D]
                --name N --role ROLE --scope ID [--expires-days D]
                Creates an API token and prints it once: owned by user U (default: U's grants; at most them),
                or, without --user, a token of no user.
  revoke-token  --id ID                                   Revokes an API token.
  tokens                                                  API tokens with owner, grants and state (never secrets).

Roles: ${Object.entries(ROLES).map(([r, { scopeKind }]) => `${r} (${scopeKind === 'all' ? `scope ${ALL}` : `a ${scopeKind} id or ${ALL}`})`).join(', ')}.
Every command takes --db FILE (SQLite) or --db postgres://... [--db-schema S]; the default is the configured
database (config/default.json, CHARGEPLAN_CONFIG, CHARGEPLAN_DB, CHARGEPLAN_DATABASE_URL).`;

export interface UsersCliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  clock: Clock;
  /** The first line of standard input (the password when there is no --password-file). */
  readStdin: () => Promise<string>;
  env?: NodeJS.ProcessEnv;
}

/** Bad input: reported as `--option: rule` with exit code 2, nothing changed. */
class UsageError extends Error {}

const firstLine = (text: string) => text.split(/\r?\n/)[0] ?? '';

function grantFrom(role: string | undefined, scope: string | undefined): ApiTokenGrant {
  if (!role) throw new UsageError('--role is needed');
  if (!isRole(role)) throw new UsageError(`--role: unknown role "${role}" (roles: ${Object.keys(ROLES).join(', ')})`);
  // An admin is over everything: its scope is '*' and may be left out.
  const scopeId = scope ?? (ROLES[role].scopeKind === 'all' ? ALL : undefined);
  if (scopeId === undefined) throw new UsageError(`--scope: role ${role} needs a ${ROLES[role].scopeKind} id, or ${ALL} for all`);
  const grant = grantOf(role, scopeId);
  try {
    checkGrants([grant]);
  } catch (e) {
    throw new UsageError(`--scope: ${(e as Error).message}`);
  }
  return grant;
}

const grantsText = (grants: readonly ApiTokenGrant[]) => grants.map(describeGrant).join(', ') || '(no grants)';
const when = (ms: number | undefined) => (ms === undefined ? '-' : isoUtc(ms));

function userLine(u: UserRecord): string {
  return `${u.username}\t${u.name}\t${grantsText(u.grants)}\tcreated ${isoUtc(u.createdAt)}\t${u.disabledAt === undefined ? 'active' : `disabled ${isoUtc(u.disabledAt)}`}\n`;
}

function tokenLine(t: OwnedTokenRecord, owner: string, now: number): string {
  const state = t.revokedAt !== undefined ? `revoked ${isoUtc(t.revokedAt)}` : t.expiresAt !== undefined && t.expiresAt <= now ? 'expired' : 'active';
  return `${t.id}\t${t.name}\towner ${owner}\t${grantsText(t.grants)}\tcreated ${isoUtc(t.createdAt)}\texpires ${when(t.expiresAt)}\tlast used ${when(t.lastUsedAt)}\t${state}\n`;
}

export async function runUsersCli(argv: string[], io: UsersCliIo): Promise<number> {
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) {
    io.err('--password is not accepted: a password on the command line stays in shell history and ps; use --password-file FILE or standard input\n');
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        username: { type: 'string' },
        user: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string' },
        scope: { type: 'string' },
        'password-file': { type: 'string' },
        'expires-days': { type: 'string' },
        id: { type: 'string' },
        db: { type: 'string' },
        'db-schema': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command] = positionals;
  if (values.help || !command) {
    io.out(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  let options;
  try {
    options = cliDatabase(values.db, values['db-schema'], () => databaseOptions(loadConfig(io.env).database));
  } catch (e) {
    if (!(e instanceof CliDatabaseError)) throw e;
    io.err(`${e.message}\n`);
    return 2;
  }
  const storage = await openStorage(options);
  try {
    const users = new UserRepository(storage.db);
    const tokens = new UserTokenRepository(storage.db);
    // Issue 16: the CLI's changes land in the audit log too, as the CLI run by this OS user.
    const audit = new AuditRepository(storage.db);
    const audited = (action: string, target: { kind: string; id: string }, detail: Record<string, unknown>) =>
      audit.record({ at: io.clock.now(), actor: { kind: 'cli', id: null, name: `users CLI (${process.env.USER ?? 'unknown OS user'})` }, action, target, detail });
    const userNamed = async (username: string | undefined, option = '--username'): Promise<UserRecord> => {
      if (!username) throw new UsageError(`${option} is needed`);
      const u = await users.findByUsername(username);
      if (!u) throw new UsageError(`${option}: there is no user ${username}`);
      return u;
    };

    switch (command) {
      case 'create': {
        if (!values.username) throw new UsageError('--username is needed');
        if (!values.name) throw new UsageError('--name is needed');
        const grant = grantFrom(values.role, values.scope);
        const password = firstLine(values['password-file'] ? readFileSync(values['password-file'], 'utf8') : await io.readStdin());
        if (password === '') throw new UsageError(`--password-file or standard input: no password given`);
        const u = await createUser(users, io.clock, { username: values.username, name: values.name, password, grants: [grant] });
        await audited('user.created', { kind: 'user', id: u.id }, { username: u.username, grants: describeGrant(grant) });
        io.out(`created ${u.username} (${u.name}, id ${u.id}) as ${describeGrant(grant)}\n`);
        return 0;
      }
      case 'grant': {
        const u = await userNamed(values.username);
        const grant = grantFrom(values.role, values.scope);
        const added = await users.addGrant(u.id, grant);
        if (added) await audited('grant.added', { kind: 'user', id: u.id }, { username: u.username, grant: describeGrant(grant) });
        io.out(added ? `${u.username} is now also ${describeGrant(grant)}\n` : `${u.username} already is ${describeGrant(grant)}\n`);
        return 0;
      }
      case 'disable': {
        const u = await userNamed(values.username);
        const changed = await users.disable(u.id, io.clock.now());
        if (changed) await audited('user.disabled', { kind: 'user', id: u.id }, { username: u.username });
        io.out(changed ? `disabled ${u.username}: its sessions ended and its tokens are revoked\n` : `${u.username} was already disabled\n`);
        return 0;
      }
      case 'list': {
        const all = await users.list();
        io.out(all.length === 0 ? 'no users\n' : all.map(userLine).join(''));
        return 0;
      }
      case 'token': {
        const owner = values.user !== undefined ? await userNamed(values.user, '--user') : undefined;
        if (!owner && !values.name) throw new UsageError('token needs --user U, or --name N with --role and --scope');
        const grants = values.role || values.scope || !owner ? [grantFrom(values.role, values.scope)] : owner.grants;
        if (owner && !owner.grants.some((g) => g.role === 'admin')) {
          // A user's tokens never hold more than the user: the same rule as POST /api/v1/tokens.
          const denied = grants.find((w) => !owner.grants.some((h) => covers(h, w)));
          if (denied) throw new UsageError(`--role/--scope: ${owner.username} does not hold ${describeGrant(denied)}, so its token may not`);
        }
        const days = values['expires-days'];
        if (days !== undefined && !/^[1-9]\d{0,3}$/.test(days)) throw new UsageError('--expires-days: a whole number of days from 1 to 9999');
        const name = values.name ?? `${owner!.username} (cli)`;
        const { record, token } = newApiToken(io.clock, {
          name,
          grants,
          ...(days ? { expiresAt: io.clock.now() + Number(days) * 86_400_000 } : {}),
        });
        await tokens.create(record, owner?.id ?? null);
        await audited('token.created', { kind: 'token', id: record.id }, { name, grants: grantsText(grants), ...(record.expiresAt !== undefined ? { expiresAt: isoUtc(record.expiresAt) } : {}) });
        io.out(`token ${record.id} "${name}" for ${owner ? owner.username : 'no user'}: ${grantsText(grants)}\n${token}\n(shown once; only its hash is stored)\n`);
        return 0;
      }
      case 'revoke-token': {
        if (!values.id) throw new UsageError('--id is needed');
        if (!(await tokens.find(values.id))) throw new UsageError(`--id: there is no API token ${values.id}`);
        const revoked = await tokens.revoke(values.id, io.clock.now());
        if (revoked) await audited('token.revoked', { kind: 'token', id: values.id }, {});
        io.out(revoked ? `revoked ${values.id}\n` : `${values.id} was already revoked\n`);
        return 0;
      }
      case 'tokens': {
        const names = new Map((await users.list()).map((u) => [u.id, u.username]));
        const all = await tokens.list();
        const now = io.clock.now();
        io.out(all.length === 0 ? 'no tokens\n' : all.map((t) => tokenLine(t, t.ownerUserId ? names.get(t.ownerUserId) ?? t.ownerUserId : '-', now)).join(''));
        return 0;
      }
      default:
        io.err(`unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (e instanceof UserInputError) {
      io.err(`--${e.field === 'password' ? 'password-file or standard input' : e.field}: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    await storage.close();
  }
}

/** The first line typed or piped on standard input. */
function readFirstLine(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (input is shown; prefer --password-file): ');
  const rl = createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolveLine) => {
    let line: string | undefined;
    rl.once('line', (l) => {
      line = l;
      rl.close();
    });
    rl.once('close', () => resolveLine(line ?? ''));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: UsersCliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), clock: systemClock, readStdin: readFirstLine };
  runUsersCli(process.argv.slice(2), io).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`users: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
