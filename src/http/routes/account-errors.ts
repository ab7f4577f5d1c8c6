import { HttpError } from '../errors.js';
import { UserInputError } from '../auth/user-accounts.js';

/** Runs `work`, turning a broken account rule (UserInputError) into 400 REQUEST_INVALID naming the field. */
export async function asInputError<T>(work: () => Promise<T>, fieldPrefix = ''): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UserInputError) {
      const field = `${fieldPrefix}${err.field === 'scope' ? 'scopeId' : err.field}`;
      throw new HttpError(400, 'REQUEST_INVALID', `${field}: ${err.message}`, field);
    }
    throw err;
  }
}
