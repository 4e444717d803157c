import type { ClientInformation } from '../dcr/index.js';
import type { Route } from './context.js';

/** A client as the caller receives it: RFC 7591 §3.2.1 members first, then the metadata. */
export type ClientResponse = Readonly<Record<string, unknown>>;

export function clientResponse(
  client: ClientInformation,
  route: Route,
  publicBaseUrl: string,
  registrationAccessToken: string,
): ClientResponse {
  const { client_id, client_secret, client_id_issued_at, client_secret_expires_at, ...metadata } =
    client;
  return {
    client_id,
    ...(client_secret === undefined ? {} : { client_secret }),
    ...(client_id_issued_at === undefined ? {} : { client_id_issued_at }),
    ...(client_secret_expires_at === undefined ? {} : { client_secret_expires_at }),
    registration_access_token: registrationAccessToken,
    registration_client_uri: `${publicBaseUrl}${route.prefix}/register/${encodeURIComponent(client_id)}`,
    ...metadata,
  };
}
