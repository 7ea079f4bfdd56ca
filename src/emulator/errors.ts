/** The object under "error" in Stripe's v1 error envelope. */
export interface StripeErrorBody {
  type: string;
  code?: string;
  param?: string;
  message: string;
  decline_code?: string;
  doc_url?: string;
  request_log_url?: string;
}

/** Thrown by handlers and checks; the server turns it into Stripe's error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    /** Extra response headers, e.g. Stripe-Should-Retry. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.message);
  }
}

export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`;
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): ApiError {
  return new ApiError(status, {
    type: 'invalid_request_error',
    ...(code === undefined ? {} : { code, doc_url: docUrl(code) }),
    ...(param === undefined ? {} : { param }),
    message,
  });
}

export function unknownParameter(param: string): ApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function missingParameter(param: string): ApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

/**
 * `resource_missing` for an id that does not exist (or exists only in the other mode).
 * Stripe answers 404 when the id is in the URL and 400 when it is a body parameter.
 */
export function resourceMissing(
  noun: string,
  id: string,
  param: string,
  status: 400 | 404,
  existsInOtherMode?: { keyIsLive: boolean },
): ApiError {
  let message = `No such ${noun}: '${id}'`;
  if (existsInOtherMode) {
    const [other, used] = existsInOtherMode.keyIsLive ? ['test', 'live'] : ['live', 'test'];
    message += `; a similar object exists in ${other} mode, but a ${used} mode key was used to make this request.`;
  }
  return invalidRequest(message, param, 'resource_missing', status);
}

export function unrecognizedUrl(method: string, path: string): ApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    undefined,
    undefined,
    404,
  );
}
