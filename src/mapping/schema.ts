import { z } from 'zod';

/**
 * The mapping file format: one vendor's registration API described as data. Version 1.
 * Templates (`path`, `url`, `query`, bearer values and string values of `set`/`default`)
 * may name `{param.NAME}` (a backend parameter) or `{var.NAME}` (a value kept in the
 * registration access token or captured by an earlier call of the same operation).
 */
export const FORMAT_VERSION = 1;

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and _');
const fieldName = z.string().min(1);
const fieldList = z.array(fieldName).min(1);
const jsonValue: z.ZodType<unknown> = z.json();

const ruleOptions = [
  z.strictObject({ rename: z.record(fieldName, fieldName).describe('from -> to') }),
  z.strictObject({
    set: z.record(fieldName, jsonValue).describe('always set; strings are templates'),
  }),
  z.strictObject({
    default: z.record(fieldName, jsonValue).describe('set when absent; strings are templates'),
  }),
  z.strictObject({ drop: fieldList }),
  z.strictObject({ keep: fieldList.describe('drop every member not listed') }),
  z.strictObject({
    enum_map: z.record(fieldName, z.record(z.string(), z.string())).describe('field -> {from: to}'),
  }),
  z.strictObject({ scope_to_list: z.strictObject({ from: fieldName, to: fieldName }) }),
  z.strictObject({ list_to_scope: z.strictObject({ from: fieldName, to: fieldName }) }),
  z.strictObject({ to_string: fieldList.describe('numbers and booleans become strings') }),
  z.strictObject({ to_number: fieldList.describe('numeric strings become numbers') }),
  z.strictObject({ to_boolean: fieldList.describe('"true"/"false" become booleans') }),
  z.strictObject({ millis_to_seconds: fieldList.describe('epoch milliseconds become seconds') }),
  z.strictObject({ drop_empty: z.literal(true).describe('drop null, "" and empty arrays') }),
] as const;

/** The named transform vocabulary; each rule is an object with exactly one of these keys. */
export const fieldRule = z.union(ruleOptions, { error: (issue) => ruleProblem(issue.input) });
export type FieldRule = z.infer<typeof fieldRule>;

/**
 * zod says only "Invalid input" when no union member fits. A rule with one known name gets
 * that rule's own problem; anything else, the list of names.
 */
function ruleProblem(input: unknown): string {
  const keys = typeof input === 'object' && input !== null ? Object.keys(input) : [];
  const option =
    keys.length === 1 ? ruleOptions.find((rule) => Object.hasOwn(rule.shape, keys[0]!)) : undefined;
  const [issue] = option?.safeParse(input).error?.issues ?? [];
  if (issue !== undefined) return `${issue.path.join('.')}: ${issue.message}`;
  const names = ruleOptions.map((rule) => Object.keys(rule.shape)[0]);
  return `expected an object with exactly one of: ${names.join(', ')}`;
}

const template = z.string().min(1);
const operationName = z.enum(['create', 'read', 'update', 'delete']);
export type OperationName = z.infer<typeof operationName>;

const callAuth = z.union(
  [
    z.literal('admin').describe("the backend's admin credential"),
    z.literal('none'),
    z
      .strictObject({ bearer: template })
      .describe('a bearer token from a template, e.g. the vendor RAT'),
  ],
  { error: 'expected admin, none or { bearer: TEMPLATE }' },
);

const call = z
  .strictObject({
    name,
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    path: template
      .regex(/^[/{]/, 'a path starting with / (or with a {param.NAME} holding one)')
      .optional()
      .describe('relative to the backend base URL'),
    url: template
      .optional()
      .describe('an absolute URL the vendor handed out; must stay on the backend origin'),
    query: z.record(z.string(), template).optional(),
    auth: callAuth.default('admin'),
    body: z
      .strictObject({
        from: z.union(
          [
            z.enum(['metadata', 'empty']),
            z.strictObject({ var: name }).describe('a value captured earlier (read-modify-write)'),
          ],
          { error: 'expected metadata, empty or { var: NAME }' },
        ),
        base_keep: z
          .array(fieldName)
          .optional()
          .describe('with from: {var}, keep only these members of it (vendor-only fields)'),
        overlay_metadata: z
          .boolean()
          .default(false)
          .describe('merge the registered metadata over `from` (read-modify-write)'),
        rules: z.array(fieldRule).default([]),
      })
      .optional(),
    expect: z.array(z.number().int().min(200).max(299)).min(1),
    capture: z
      .record(name, z.string().min(1))
      .default({})
      .describe('var -> response body path: "$" (whole body), "a.b" or "list.0"'),
    result: z
      .strictObject({ rules: z.array(fieldRule).default([]) })
      .optional()
      .describe('this response is the client; rules rename it to standard names'),
  })
  .refine((c) => (c.path === undefined) !== (c.url === undefined), 'exactly one of path or url');
export type Call = z.infer<typeof call>;

const operation = z.strictObject({
  calls: z.array(call).min(1),
  keep: z.array(name).default([]).describe('vars stored in the registration access token'),
});
export type Operation = z.infer<typeof operation>;

export const errorTarget = z.enum([
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'invalid_token',
  'backend_rejected',
  'backend_unavailable',
]);
export type ErrorTarget = z.infer<typeof errorTarget>;

const errorRule = z.strictObject({
  status: z.array(z.number().int().min(400).max(599)).min(1),
  operations: z.array(operationName).optional(),
  error: z.array(z.string()).optional().describe('values of the vendor body `error` member'),
  as: errorTarget,
  description: z.string().optional().describe('shown to callers; vendor text never is'),
});

const parameter = z.strictObject({
  description: z.string(),
  required: z.boolean().default(false),
  default: z.string().optional(),
});

const adminAuth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({
    kind: z.literal('bearer'),
    optional: z
      .boolean()
      .default(false)
      .describe('send no Authorization when the backend has no token'),
  }),
  z.strictObject({ kind: z.literal('basic') }),
  z.strictObject({
    kind: z.literal('client_credentials'),
    token_path: z.string().regex(/^\//, 'a path starting with /'),
    scope: z.string().optional(),
    client_auth: z
      .enum(['client_secret_basic', 'client_secret_post'])
      .default('client_secret_basic'),
  }),
]);
export type AdminAuth = z.infer<typeof adminAuth>;

const example = z.strictObject({
  name: z.string(),
  operation: operationName,
  parameters: z
    .record(name, z.string())
    .default({})
    .describe('backend parameters besides the defaults'),
  metadata: z
    .record(z.string(), jsonValue)
    .optional()
    .describe('registered metadata (create, update)'),
  state: z
    .record(name, z.string())
    .default({})
    .describe('vars from the RAT (read, update, delete)'),
  calls: z
    .array(
      z.strictObject({
        request: z.strictObject({
          method: z.string(),
          url: z.string().describe('path and query below https://idp.example, or an absolute URL'),
          body: jsonValue.optional(),
        }),
        response: z.strictObject({ status: z.number().int(), body: jsonValue.optional() }),
      }),
    )
    .min(1),
  result: z.record(z.string(), jsonValue).optional().describe('the normalized client'),
  error: z.string().optional().describe('the expected error code'),
});
export type MappingExample = z.infer<typeof example>;

export const mappingSchema = z.strictObject({
  format_version: z.literal(FORMAT_VERSION),
  id: name,
  title: z.string(),
  description: z.string().optional(),
  parameters: z.record(name, parameter).default({}),
  admin_auth: adminAuth,
  capabilities: z.strictObject({
    grant_types: z.array(z.string()).min(1),
    response_types: z.array(z.string()),
    token_endpoint_auth_methods: z.array(z.string()).min(1),
    fields: z
      .array(fieldName)
      .optional()
      .describe('standard members the vendor stores; others are not sent'),
  }),
  extensions: z.array(fieldName).default([]).describe('vendor members passed through in responses'),
  operations: z.strictObject({
    create: operation,
    read: operation.optional(),
    update: operation.optional(),
    delete: operation.optional(),
  }),
  errors: z.array(errorRule).default([]),
  examples: z.array(example).default([]),
});
export type MappingFile = z.infer<typeof mappingSchema>;
