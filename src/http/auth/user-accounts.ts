import { randomBytes } from 'node:crypto';
import type { ApiTokenGrant } from '../../domain/prices.js';
import type { UserAdmin, UserRecord } from '../../domain/users.js';
import type { Clock } from '../../platform/clock.js';
import { DEFAULT_SCRYPT, hashPassword, passwordProblem, type ScryptParams } from './passwords.js';
import { grantProblem } from './roles.js';

/**
 * Creating people (the users CLI, the setup page, the admin pages; tests). Every rule is checked before anything is written, and a broken one is
 * reported as the field it concerns and the rule, so the CLI can say `--username: ...`.
 */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
  constructor(
    readonly field: 'username' | 'name' | 'password' | 'role' | 'scope',
    message: string,
  ) {
    super(message);
  }
}

/** Lower-case letters, digits and . _ @ - (so an e-mail address works), starting with a letter or digit. */
const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

export function usernameProblem(username: string): string | null {
  return USERNAME.test(username.toLowerCase()) ? null : 'a username has 1 to 64 letters, digits or . _ @ -, and starts with a letter or digit';
}

export function checkGrants(grants: readonly ApiTokenGrant[]): void {
  for (const g of grants) {
    const problem = grantProblem(g);
    if (problem) throw new UserInputError(problem.startsWith('unknown role') ? 'role' : 'scope', problem);
  }
}

/**
 * Checks every rule of a new user and hashes the password, without storing anything: the record to store, or a
 * UserInputError naming the field. The setup page uses it to check all input before it spends its one-time token.
 */
export async function prepareUser(
  store: Pick<UserAdmin, 'findByUsername'>,
  clock: Clock,
  input: { username: string; name: string; password: string; grants: ApiTokenGrant[] },
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<UserRecord> {
  const username = input.username.toLowerCase();
  const bad = usernameProblem(username);
  if (bad) throw new UserInputError('username', bad);
  const name = input.name.trim();
  if (name === '' || name.length > 100) throw new UserInputError('name', 'a name has 1 to 100 characters');
  const weak = passwordProblem(input.password);
  if (weak) throw new UserInputError('password', weak);
  checkGrants(input.grants);
  if (await store.findByUsername(username)) throw new UserInputError('username', `the username ${username} is taken`);
  return {
    id: randomBytes(8).toString('hex'),
    username,
    name,
    passwordHash: await hashPassword(input.password, params),
    createdAt: clock.now(),
    grants: input.grants,
  };
}

export async function createUser(
  store: UserAdmin,
  clock: Clock,
  input: { username: string; name: string; password: string; grants: ApiTokenGrant[] },
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<UserRecord> {
  const user = await prepareUser(store, clock, input, params);
  // Checked again in the store's transaction: two CLIs at once cannot both take the name.
  if (!(await store.create(user))) throw new UserInputError('username', `the username ${user.username} is taken`);
  return user;
}
