import { z } from 'zod';

/**
 * The mapping file format: one vendor's registration API described as data. Version 1.
 * Templates (`path`, `url`, resources, `query`, `headers`, bearer values and string values of
 * `set`/`default`) name `{param.NAME}` (a backend parameter) or `{var.NAME}` (a value kept in
 * the registration access token, generated, or captured by an earlier call of the same
 * operation), with fallbacks as `{var.A|param.B}`. Field names with dots (`options.public`)
 * address nested members.
 */
export const FORMAT_VERSION = 1;

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name of letters, digits and _');
const fieldName = z.string().min(1);
const fieldList = z.array(fieldName).min(1);
const jsonValue: z.ZodType<unknown> = z.json();
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Every listed member must match: equal to the value, one of the values of a list, or, for a
 * member that is a list (e.g. `grant_types`), containing the value; `{ matches: REGEX }`
 * matches a string member, or a list member holding a matching string.
 */
const pattern = z
  .strictObject({
    matches: z
      .string()
      .min(1)
      .refine(isRegExp, 'a JavaScript regular expression')
      .describe('a string member, or a string in a list member, matches this regular expression'),
    ignore_case: z.boolean().default(false),
  })
  .describe('a pattern instead of values');
const condition = z
  .record(fieldName, z.union([scalar, z.array(scalar).min(1), pattern]))
  .refine((c) => Object.keys(c).length > 0, 'at least one member');
export type Condition = z.infer<typeof condition>;

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const guards = {
  when: condition.optional().describe('apply only when the record matches'),
  unless: condition.optional().describe('apply only when the record does not match'),
};

const ruleShapes = {
  rename: z.record(fieldName, fieldName).describe('from -> to'),
  set: z.record(fieldName, jsonValue).describe('always set; strings are templates'),
  default: z.record(fieldName, jsonValue).describe('set when absent; strings are templates'),
  copy: z.record(fieldName, fieldName).describe('to -> from: a value derived from another member'),
  drop: fieldList,
  keep: fieldList.describe('drop every member not listed'),
  enum_map: z.record(fieldName, z.record(z.string(), z.string())).describe('field -> {from: to}'),
  scope_to_list: z.strictObject({ from: fieldName, to: fieldName }),
  list_to_scope: z.strictObject({ from: fieldName, to: fieldName }),
  to_string: fieldList.describe('numbers and booleans become strings'),
  to_number: fieldList.describe('numeric strings become numbers'),
  to_boolean: fieldList.describe('"true"/"false" become booleans'),
  millis_to_seconds: fieldList.describe('epoch milliseconds become seconds'),
  drop_empty: z.literal(true).describe('drop null, "" and empty arrays'),
  bcp47_case: fieldList.describe(
    'the tag of each name#tag member of these fields in canonical BCP 47 case (de-CH, zh-Hant-TW)',
  ),
} as const;
type RuleName = keyof typeof ruleShapes;

const ruleOptions = (Object.keys(ruleShapes) as RuleName[]).map((key) =>
  z.strictObject({ [key]: ruleShapes[key], ...guards }),
);

/** The named one-way transform vocabulary; each rule has exactly one of these keys. */
export const fieldRule = z.union(ruleOptions, {
  error: (issue) => unionProblem(issue.input, ruleOptions, ['when', 'unless']),
}) as unknown as z.ZodType<FieldRule, FieldRuleInput>;
type Guards = { when?: Condition; unless?: Condition };
type RuleOf<K extends RuleName> = { [P in K]: z.output<(typeof ruleShapes)[P]> } & Guards;
export type FieldRule = { [K in RuleName]: RuleOf<K> }[RuleName];
type FieldRuleInput = {
  [K in RuleName]: { [P in K]: z.input<(typeof ruleShapes)[P]> } & Guards;
}[RuleName];

const tableShapes = {
  rename: z.record(fieldName, fieldName).describe('standard -> vendor'),
  enum_map: z
    .record(
      fieldName,
      z
        .record(z.string(), z.string())
        .refine(
          (map) => new Set(Object.values(map)).size === Object.values(map).length,
          'each vendor value may stand for one standard value only (the rule is inverted on responses)',
        ),
    )
    .describe('field -> {standard: vendor}'),
  scope_list: z
    .strictObject({ from: fieldName, to: fieldName })
    .describe('space-separated scope string <-> array'),
  boolean_number: fieldList.describe('true/false <-> 1/0'),
  number_string: fieldList.describe('number <-> string'),
  seconds_millis: fieldList.describe('epoch seconds <-> epoch milliseconds'),
  member_flag: z
    .strictObject({ list: fieldName, value: z.string(), flag: fieldName })
    .describe('a value in a list <-> a boolean member'),
  locale_list: z
    .strictObject({
      fields: fieldList.describe('standard members with #locale variants, e.g. client_name'),
      to: fieldName.describe('the vendor list of {name, value, locale} objects'),
      untagged: z
        .enum(['keep', 'list'])
        .default('keep')
        .describe('keep: the untagged member stays a member; list: it joins the list'),
    })
    .describe('locale-tagged members <-> a vendor locale list'),
  json_text: z
    .strictObject({
      fields: fieldList.describe('standard members the vendor has no field of its own for'),
      to: fieldName.describe('a vendor text member (a comment, a note) holding them as JSON'),
    })
    .describe(
      'members copied into one JSON text member <-> taken back from it when absent (only those listed)',
    ),
} as const;
type TableName = keyof typeof tableShapes;
const tableOptions = (Object.keys(tableShapes) as TableName[]).map((key) =>
  z.strictObject({ [key]: tableShapes[key] }),
);

/**
 * Two-way rules: applied in order to every request body built from metadata, and in reverse
 * order, inverted, to every result. Names are as they stand at that point of the list.
 */
export const tableRule = z.union(tableOptions, {
  error: (issue) => unionProblem(issue.input, tableOptions, []),
}) as unknown as z.ZodType<TableRule, TableRuleInput>;
export type TableRule = {
  [K in TableName]: { [P in K]: z.output<(typeof tableShapes)[P]> };
}[TableName];
type TableRuleInput = {
  [K in TableName]: { [P in K]: z.input<(typeof tableShapes)[P]> };
}[TableName];

/**
 * zod says only "Invalid input" when no union member fits. An entry with one known name gets
 * that option's own problem; anything else, the list of names.
 */
function unionProblem(
  input: unknown,
  options: readonly z.ZodObject[],
  modifiers: readonly string[],
): string {
  const keys =
    typeof input === 'object' && input !== null
      ? Object.keys(input).filter((key) => !modifiers.includes(key))
      : [];
  const option =
    keys.length === 1 ? options.find((rule) => Object.hasOwn(rule.shape, keys[0]!)) : undefined;
  const [issue] = option?.safeParse(input).error?.issues ?? [];
  if (issue !== undefined) return `${issue.path.join('.')}: ${issue.message}`;
  const names = options.map((rule) => Object.keys(rule.shape)[0]);
  return `expected an object with exactly one of: ${names.join(', ')}`;
}

const template = z.string().min(1);
const pathTemplate = template.regex(
  /^[/{]/,
  'a path starting with / (or with a {param.NAME} holding one)',
);
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'authorization']);
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
    path: pathTemplate.optional().describe('relative to the backend base URL'),
    resource: name.optional().describe('a path declared under resources'),
    url: template
      .optional()
      .describe('an absolute URL the vendor handed out; must stay on the backend origin'),
    query: z.record(z.string(), template).optional(),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), template)
      .optional()
      .describe('request headers besides Accept, Content-Type and Authorization'),
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
          .describe('merge the registered metadata, in vendor names, over `from`'),
        rules: z.array(fieldRule).default([]),
      })
      .optional(),
    expect: z
      .array(z.union([z.number().int().min(200).max(299), z.literal(404), z.literal(410)]))
      .min(1)
      .describe(
        'the statuses that mean success: 2xx; a compensating call may add 404 and 410 (the client is already gone)',
      ),
    creates: z
      .literal(true)
      .optional()
      .describe(
        'create only: this call makes the client at the vendor (default: the first create call)',
      ),
    capture: z
      .record(name, z.string().min(1))
      .default({})
      .describe('var -> response body path: "$" (whole body), "a.b" or "list.0"'),
    result: z
      .strictObject({ rules: z.array(fieldRule).default([]) })
      .optional()
      .describe('this response is the client; rules run before the field table is inverted'),
  })
  .refine(
    (c) => [c.path, c.url, c.resource].filter((target) => target !== undefined).length === 1,
    'exactly one of path, resource or url',
  )
  .superRefine((c, context) => {
    for (const header of Object.keys(c.headers ?? {}))
      if (RESERVED_HEADERS.has(header.toLowerCase()))
        context.addIssue({
          code: 'custom',
          path: ['headers', header],
          message: 'Accept, Content-Type and Authorization are set by the gateway (see auth)',
        });
  });
export type Call = z.infer<typeof call>;

const kept = z.union([name, z.strictObject({ var: name, optional: z.boolean().default(false) })]);

const operation = z.strictObject({
  calls: z.array(call).min(1),
  keep: z
    .array(kept)
    .default([])
    .describe('vars stored in the registration access token (any JSON value)'),
});
export type Operation = z.infer<typeof operation>;

const createOperation = operation.extend({
  compensate: z
    .strictObject({ calls: z.array(call).min(1) })
    .optional()
    .describe('how to undo a create that failed after the vendor made the client; default: delete'),
});
export type CreateOperation = z.infer<typeof createOperation>;

export const errorTarget = z.enum([
  'invalid_client_metadata',
  'invalid_redirect_uri',
  'invalid_software_statement',
  'unapproved_software_statement',
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
    token_path: z
      .string()
      .regex(/^(\/|\{param\.)/, 'a path starting with / or with a {param.NAME} holding one')
      .describe('below the base URL; a template of {param.NAME} only (a realm path, say)'),
    scope: z.string().optional(),
    client_auth: z
      .enum(['client_secret_basic', 'client_secret_post'])
      .default('client_secret_basic'),
    refused: z
      .array(
        z.strictObject({
          status: z.array(z.number().int().min(400).max(599)).min(1),
          error: z
            .array(z.string().min(1))
            .min(1)
            .optional()
            .describe('and the `error` member of the JSON body is one of these'),
        }),
      )
      .min(1)
      .default([{ status: [401] }])
      .describe(
        'answers to an admin call that mean the admin token itself was refused: a fresh token is fetched and the call sent once more',
      ),
  }),
]);
export type AdminAuth = z.infer<typeof adminAuth>;

const generated = z.strictObject({
  kind: z
    .enum(['id', 'secret', 'timestamp'])
    .describe(
      'id: 32 hex digits; secret: 256 random bits as 43 letters and digits (nothing to form-encode in HTTP Basic); timestamp: the epoch seconds of the create, in decimal',
    ),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ -')
    .default('')
    .describe('prepended to the generated value'),
  ...guards,
});
export type Generated = z.infer<typeof generated>;

const exampleRequest = z.strictObject({
  method: z.string(),
  url: z.string().describe('path and query below https://idp.example, or an absolute URL'),
  auth: callAuth.optional().describe('the credential the call carries'),
  headers: z.record(z.string(), z.string()).optional().describe("the call's own headers"),
  body: jsonValue.optional(),
});

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
    .describe('registered metadata (create, update), before the stored-fields filter'),
  generated: z
    .record(name, z.string())
    .default({})
    .describe('values the gateway generates, fixed for the example'),
  state: z.record(name, jsonValue).default({}).describe('vars from the RAT (read, update, delete)'),
  calls: z
    .array(
      z.strictObject({
        request: exampleRequest,
        response: z.strictObject({ status: z.number().int(), body: jsonValue.optional() }),
      }),
    )
    .min(1),
  result: z.record(z.string(), jsonValue).optional().describe('the normalized client'),
  kept: z.record(z.string(), jsonValue).optional().describe('the state kept in the RAT afterwards'),
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
    scopes: z.array(z.string().min(1)).optional().describe('the scope values it accepts'),
    algorithms: z
      .record(fieldName, z.array(z.string().min(1)))
      .optional()
      .describe('per algorithm member, the values it accepts'),
    refuse: z
      .record(fieldName, z.string().min(1))
      .optional()
      .describe('members it cannot store, refused with this reason instead of dropped'),
  }),
  extensions: z.array(fieldName).default([]).describe('vendor members passed through in responses'),
  generate: z
    .record(name, generated)
    .default({})
    .describe('values the gateway makes on create, as metadata members and vars'),
  fields: z.array(tableRule).default([]).describe('two-way field rules for every operation'),
  echo: z
    .array(fieldName)
    .default([])
    .describe('registered members the vendor does not return, kept in the RAT and echoed'),
  resources: z
    .record(name, pathTemplate)
    .default({})
    .describe('paths below the base URL written once, used by calls as `resource: NAME`'),
  operations: z.strictObject({
    create: createOperation,
    read: operation.optional(),
    update: operation.optional(),
    delete: operation.optional(),
  }),
  errors: z.array(errorRule).default([]),
  examples: z.array(example).default([]),
});
export type MappingFile = z.infer<typeof mappingSchema>;
