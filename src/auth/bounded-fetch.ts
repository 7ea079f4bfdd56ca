/** An answer larger than the caller's cap; refused while it streams in, never read whole. */
export class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  constructor(
    maxBytes: number,
    /** The status the oversized answer came with: a 5xx is an outage, anything else an answer. */
    readonly status: number,
  ) {
    super(`the answer is larger than ${maxBytes} bytes`);
  }
}

export interface FetchLimits {
  maxBytes: number;
  /** Unset when `init.signal` already bounds the request. */
  timeoutMs?: number;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * `fetch` under a deadline and a size cap, the body read before it returns. Redirects are
 * refused: a bearer token must never follow one to another host.
 */
export async function boundedFetch(url: string | URL, init: RequestInit, { maxBytes, timeoutMs }: FetchLimits): Promise<Response> {
  const signals = [init.signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter(
    (signal): signal is AbortSignal => signal !== undefined && signal !== null,
  );
  const response = await fetch(url, { ...init, signal: AbortSignal.any(signals), redirect: 'error' });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new ResponseTooLargeError(maxBytes, response.status);
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      received += part.value.byteLength;
      if (received > maxBytes) {
        await reader.cancel();
        throw new ResponseTooLargeError(maxBytes, response.status);
      }
      chunks.push(part.value);
    }
  }
  const body = NULL_BODY_STATUSES.has(response.status) ? null : Buffer.concat(chunks);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
