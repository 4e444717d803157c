import {
  APPLICATION_TYPES,
  AUTH_METHODS,
  DEFAULTS,
  GRANT_TYPES,
  JWE_ALGS,
  JWE_ENCS,
  JWE_PAIRS,
  RESPONSE_TYPES_OF_GRANT,
  SIGNING_ALGS,
  SUBJECT_TYPES,
} from './contract.js';
import type { ParsedRequest } from './parse.js';

/** A 400 the validator answers (§2): `{ error, error_description }`. */
export class Refusal extends Error {
  constructor(
    readonly error: 'invalid_client_metadata' | 'invalid_redirect_uri',
    readonly description: string,
  ) {
    super(description);
    this.name = 'Refusal';
  }
}

const metadata = (description: string) => new Refusal('invalid_client_metadata', description);
const redirect = (description: string) => new Refusal('invalid_redirect_uri', description);

const SIGNED = [
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'request_object_signing_alg',
  'authorization_signed_response_alg',
  'token_signed_response_alg',
  'backchannel_authentication_request_signing_alg',
];
const URIS = ['jwks_uri', 'frontchannel_logout_uri', 'backchannel_logout_uri'];
const HTTPS_URIS = ['sector_identifier_uri', 'initiate_login_uri'];

/**
 * §3 "Validation rules", in the validator's order, with its messages (§2). Throws the first
 * refusal. Runs after the defaults of §3 are applied, as the validator sees the request.
 */
export function validateRequest(request: ParsedRequest): void {
  const bound = request.bound;
  const text = (key: string) => bound[key] as string | undefined;
  const list = (key: string) => (bound[key] as readonly string[] | undefined) ?? [];

  const applicationType = text('application_type') ?? DEFAULTS.application_type;
  if (!APPLICATION_TYPES.has(applicationType)) throw metadata('application type is invalid');
  for (const key of HTTPS_URIS) {
    const value = text(key);
    if (value === undefined) continue;
    const url = absolute(value);
    if (url === undefined) throw metadata(`${key} is not a valid URI`);
    if (url.protocol !== 'https:') throw metadata(`${key} doesn't contain https scheme`);
  }
  const subjectType = text('subject_type');
  if (subjectType !== undefined && !SUBJECT_TYPES.has(subjectType))
    throw metadata('subject_type is invalid');
  for (const key of SIGNED) {
    const value = text(key);
    if (value !== undefined && !SIGNING_ALGS.has(value)) throw metadata(`${key} is not supported`);
  }
  for (const [alg, enc] of JWE_PAIRS) {
    const algValue = text(alg);
    const encValue = text(enc);
    if (algValue !== undefined && !JWE_ALGS.has(algValue))
      throw metadata(`${alg} is not supported`);
    if (encValue === undefined) continue;
    if (algValue === undefined) throw metadata(`missing parameter ${alg}`);
    if (!JWE_ENCS.has(encValue)) throw metadata(`${enc} is not supported`);
  }

  const grants = bound.grant_types === undefined ? DEFAULTS.grant_types : list('grant_types');
  const unknownGrants = grants.filter((grant) => !GRANT_TYPES.has(grant));
  if (unknownGrants.length > 0)
    throw metadata(`grant types ${unknownGrants.join(',')} are not supported`);
  const method = text('token_endpoint_auth_method');
  if (method !== undefined && !AUTH_METHODS.has(method))
    throw metadata(`unknown authentication method : ${method}`);

  checkRedirectFlows(grants, request, applicationType);

  for (const key of URIS) {
    const value = text(key);
    if (value !== undefined && absolute(value) === undefined)
      throw metadata(`${key} is not a valid URI`);
  }
  for (const [key, value] of request.translations)
    if (key.split('#')[0] !== 'client_name' && absolute(value) === undefined)
      throw metadata(`${key} is not a valid URI`);
}

/**
 * §3: with `authorization_code` or `implicit`, response types must be single values those
 * grants allow (each grant needing one), and redirect URIs are required, absolute, without a
 * fragment, and, for web clients, https off `localhost`. Without such a grant neither is looked at.
 */
function checkRedirectFlows(
  grants: readonly string[],
  request: ParsedRequest,
  applicationType: string,
): void {
  const redirectGrants = grants.filter((grant) => Object.hasOwn(RESPONSE_TYPES_OF_GRANT, grant));
  if (redirectGrants.length === 0) return;
  const { bound } = request;
  const responseTypes =
    (bound.response_types as readonly string[] | undefined) ?? DEFAULTS.response_types;
  const allowed = new Set(redirectGrants.flatMap((grant) => RESPONSE_TYPES_OF_GRANT[grant]!));
  const unsupported = responseTypes.filter((type) => !allowed.has(type));
  if (unsupported.length > 0)
    throw metadata(`response types ${unsupported.join(',')} are not supported`);
  for (const grant of redirectGrants)
    if (!RESPONSE_TYPES_OF_GRANT[grant]!.some((type) => responseTypes.includes(type)))
      throw metadata(`valid response type must be passed for the grant type ${grant}`);

  const uris = (bound.redirect_uris as readonly string[] | undefined) ?? [];
  if (uris.length === 0) throw metadata('missing parameter redirect_uris');
  for (const uri of uris) {
    const url = absolute(uri);
    if (url === undefined) throw redirect(`redirect_uri ${uri} is not correct`);
    if (uri.includes('#')) throw redirect('the redirect_uri cannot contains fragment');
    if (applicationType !== 'web') continue;
    if (url.protocol !== 'https:') throw redirect('redirect_uri does not contain https scheme');
    if (url.hostname === 'localhost') throw redirect('redirect_uri must not contain localhost');
  }
}

/** .NET's `Uri.TryCreate(..., UriKind.Absolute, ...)`, near enough: a scheme and a parse. */
function absolute(value: string): URL | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
