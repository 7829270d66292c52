// Why a case (or a service in front of it) would not take a change, in the
// words the API answers with; undefined for a fault, which the error handler
// answers. A page shows the refusal on top of itself instead of an error page.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { HttpError } from '../api/errors';

export function refusalOf(err: unknown): string | undefined {
  if (err instanceof HttpError && err.statusCode >= 400 && err.statusCode < 500 && err.statusCode !== 401) return err.message;
  // The workflow's validator refused (someone else holds it, already decided, no longer awaiting a correction): nothing was written.
  if (err instanceof WorkflowUpdateFailedError) return err.cause instanceof ApplicationFailure ? err.cause.message : (err.cause?.message ?? err.message);
  return undefined;
}
