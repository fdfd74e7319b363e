/** google.rpc.Status bodies as the Google Ads API sends them, for the fake. */
import { randomBytes } from 'node:crypto';
import type { FakeResponse } from '../fake-server.ts';

const GRPC_MESSAGE: Record<string, string> = {
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  UNAUTHENTICATED:
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  PERMISSION_DENIED: 'The caller does not have permission',
  RESOURCE_EXHAUSTED: 'Resource has been exhausted (e.g. check quota).',
  INTERNAL: 'Internal error encountered.',
  UNAVAILABLE: 'The service is currently unavailable.',
};

/** A Google Ads error: google.rpc.Status with one GoogleAdsFailure detail. */
export function adsError(
  version: string,
  http: number,
  status: string,
  errorCode: Record<string, string>,
  message: string,
  details?: Record<string, unknown>,
  operationIndex?: number,
): FakeResponse {
  const requestId = randomBytes(11).toString('base64url');
  const failure = {
    '@type': `type.googleapis.com/google.ads.googleads.${version}.errors.GoogleAdsFailure`,
    errors: [
      {
        errorCode,
        message,
        ...(details ? { details } : {}),
        ...(operationIndex === undefined
          ? {}
          : { location: { fieldPathElements: [{ fieldName: 'operations', index: operationIndex }] } }),
      },
    ],
    requestId,
  };
  return {
    status: http,
    headers: { 'request-id': requestId },
    json: { error: { code: http, message: GRPC_MESSAGE[status] ?? status, status, details: [failure] } },
  };
}
