import { expect } from 'vitest';
import { AppError } from '../../shared/http/errors.js';

/** The AppError a workflow refused with; fails the test when it did not refuse, or threw something else. */
export const refusal = (promise: Promise<unknown>): Promise<AppError> =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(AppError);
      return err as AppError;
    },
  );
