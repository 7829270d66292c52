// What every request is checked for before a route sees it, beyond its own
// schema: numbers that stay finite after ajv turns text into them, and text
// PostgreSQL can store. One keyword and one hook, for every route.
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Type, type IntegerOptions, type NumberOptions } from '@sinclair/typebox';
import { badRequest } from './errors';

/**
 * ajv coerces query, path and body text to numbers (coerceTypes), and "1e400",
 * "Infinity" or 400 digits become ±Infinity after its type check; its
 * minimum/maximum/format keywords then skip the value, as they skip every
 * non-finite number. This keyword runs untyped, after the coercion, so
 * Infinity fails here and never reaches a query.
 */
export const FINITE = 'x-finite';

interface Bounds {
  minimum?: number;
  maximum?: number;
}

/** An ajv plugin, typed through Fastify's options (ajv itself is Fastify's dependency, not ours). */
type AjvPlugin = Extract<NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>[number], (...args: never[]) => unknown>;

/** The ajv plugin that defines FINITE (app.ts hands it to Fastify's compiler). */
export const finiteNumbers: AjvPlugin = (ajv) => {
  // ajv reads a failing function's errors from its `errors` property.
  const validate: { (schema: boolean, data: unknown, parent?: Bounds): boolean; errors?: object[] } = (schema, data, parent) => {
    if (!schema || typeof data !== 'number' || Number.isFinite(data)) return true;
    // Name the bound the caller went past, as ajv does for finite numbers.
    const message =
      data > 0 && parent?.maximum !== undefined ? `must be <= ${parent.maximum}` : data < 0 && parent?.minimum !== undefined ? `must be >= ${parent.minimum}` : 'must be a finite number';
    validate.errors = [{ keyword: FINITE, message, params: {} }];
    return false;
  };
  return ajv.addKeyword({ keyword: FINITE, schemaType: 'boolean', errors: true, validate });
};

/** An integer a request carries: bounds are required, and it stays finite. */
export const Int = (opts: IntegerOptions & Required<Bounds>) => Type.Integer({ ...opts, [FINITE]: true });
/** A number a request carries: bounds are required (the lower one may be exclusive), and it stays finite. */
export const Num = (opts: NumberOptions & { maximum: number } & ({ minimum: number } | { exclusiveMinimum: number })) => Type.Number({ ...opts, [FINITE]: true });

/** Most rows one page of a list returns; beyond that, the cursor pages on. */
export const MAX_PAGE = 200;
export const PageLimit = (defaultSize: number, maximum = MAX_PAGE) => Int({ minimum: 1, maximum, default: defaultSize });
/**
 * Rows numbered by a bigserial (notifications, the audit log): PostgreSQL's
 * bigint goes to 2^63-1, a JavaScript number is exact to 2^53-1, and no table
 * here comes near either.
 */
export const MAX_ROW_ID = Number.MAX_SAFE_INTEGER;
export const RowId = (opts: { description?: string } = {}) => Int({ minimum: 1, maximum: MAX_ROW_ID, format: 'int64', ...opts });

/** A timestamp exactly as the API writes one (Date#toISOString): what a cursor it issued holds. */
export function isIssuedInstant(x: unknown): x is string {
  if (typeof x !== 'string') return false;
  const at = new Date(x);
  return !Number.isNaN(at.getTime()) && at.toISOString() === x;
}

/** NUL, which PostgreSQL's text and jsonb refuse, or half a UTF-16 surrogate pair, which has no UTF-8 form. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path (in the `field` form: body/documents/0/reference) of the first string or key in a parsed request part that PostgreSQL could not store. */
export function unstorableText(part: string, value: unknown): string | undefined {
  // A stack, not recursion: a body may nest as deep as 1 MiB of brackets allows.
  const stack: [string, unknown][] = [[part, value]];
  while (stack.length > 0) {
    const [path, v] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([`${path}/${i}`, v[i]]);
    } else if (v && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (UNSTORABLE.test(k)) return `${path}/${JSON.stringify(k).slice(1, -1)}`;
        stack.push([`${path}/${k}`, child]);
      }
    }
  }
  return undefined;
}

const PARTS = [
  ['params', (req: FastifyRequest) => req.params],
  ['querystring', (req: FastifyRequest) => req.query],
  ['body', (req: FastifyRequest) => req.body],
] as const;

/** Refuses, before schema validation, any request whose path, query or body holds text PostgreSQL cannot store. */
export default fp(async function storableText(app: FastifyInstance) {
  app.addHook('preValidation', async (req) => {
    for (const [part, read] of PARTS) {
      const field = unstorableText(part, read(req));
      if (field) throw badRequest(field, `${field}: must be text without NUL (U+0000) and with no half of a surrogate pair`);
    }
  });
});
