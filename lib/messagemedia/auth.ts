/**
 * MessageMedia request authentication: HTTP Basic, or an HMAC signature made the way all four official
 * MessageMedia SDKs (nodejs, python, java, csharp) make it:
 *
 *   date: <RFC 7231 IMF-fixdate>
 *   x-Content-MD5: <lowercase hex MD5 of the exact body bytes>      (only when there is a body)
 *   <METHOD> <request target> HTTP/1.1
 *
 * joined with "\n", HMAC-SHA1 with the API secret, base64, sent as
 * `Authorization: hmac username="<key>", algorithm="hmac-sha1", headers="date x-Content-MD5 request-line", signature="<sig>"`.
 *
 * Two deliberate differences from the SDKs:
 * - The request line carries the real HTTP method (the SDKs write POST whenever there is a body, even for
 *   PUT/PATCH, which a verifying gateway would reject).
 * - The request target includes the query string (`/api/v1/contacts/lists?pageSize=1`), as SDK-java does.
 *   The python and node SDKs never sign a URL with a query, so they give no evidence either way; the
 *   `hmac username=… headers=… request-line` scheme is the draft-cavage/Kong one, whose verifier rebuilds the
 *   request line from the request as received, query included. Every Contacts read carries a query
 *   (`pageSize`, filters), so leaving it out would make every read unverifiable by such a gateway.
 *
 * `signRequest` is pure (date passed in), so a fake server can recompute a signature and compare.
 */

import { createHash, createHmac } from 'node:crypto';

export type AuthMethod = 'basic' | 'hmac';

export interface SignRequestInput {
	/** HTTP method as sent (`GET`, `PATCH`, …). */
	method: string;
	/** Request target as sent on the wire: path plus `?query` when there is one. */
	path: string;
	/** The exact body string that is sent; omit (or empty) for requests without a body. */
	body?: string;
	/** Value of the `date` header (IMF-fixdate, see `httpDate`). */
	date: string;
	key: string;
	secret: string;
}

export interface SignedRequest {
	/** Headers to add to the request (`date`, `x-Content-MD5` when there is a body, `Authorization`). */
	headers: Record<string, string>;
	/** The string that was signed (for diagnostics in a verifying fake; contains no secret). */
	signingString: string;
	/** base64 HMAC-SHA1 signature. */
	signature: string;
}

/** `Basic base64(key:secret)`. */
export function basicAuthorization(key: string, secret: string): string {
	return `Basic ${Buffer.from(`${key}:${secret}`, 'utf8').toString('base64')}`;
}

/** Lowercase hex MD5 of the UTF-8 bytes of `body` (the SDKs' `x-Content-MD5`). */
export function contentMd5(body: string): string {
	return createHash('md5').update(Buffer.from(body, 'utf8')).digest('hex');
}

/** RFC 7231 IMF-fixdate, e.g. `Sat, 30 Jul 2016 05:18:52 GMT`. */
export function httpDate(date: Date): string {
	return date.toUTCString();
}

/** The HMAC signing string for one request (see the module comment). */
export function hmacSigningString(
	input: Pick<SignRequestInput, 'method' | 'path' | 'body' | 'date'>,
): string {
	const lines = [`date: ${input.date}`];
	if (input.body) lines.push(`x-Content-MD5: ${contentMd5(input.body)}`);
	lines.push(`${input.method.toUpperCase()} ${input.path} HTTP/1.1`);
	return lines.join('\n');
}

/** Signs one request the SDK way; returns the headers to send. */
export function signRequest(input: SignRequestInput): SignedRequest {
	const signingString = hmacSigningString(input);
	const signature = createHmac('sha1', Buffer.from(input.secret, 'utf8'))
		.update(signingString, 'utf8')
		.digest('base64');
	const signedHeaders = input.body ? 'date x-Content-MD5 request-line' : 'date request-line';
	const headers: Record<string, string> = { date: input.date };
	if (input.body) headers['x-Content-MD5'] = contentMd5(input.body);
	headers.Authorization = `hmac username="${input.key}", algorithm="hmac-sha1", headers="${signedHeaders}", signature="${signature}"`;
	return { headers, signingString, signature };
}

export interface HmacAuthorization {
	username: string;
	algorithm: string;
	headers: string[];
	signature: string;
}

/** Parses an `hmac username="…", algorithm="…", headers="…", signature="…"` header; undefined if it is not one. */
export function parseHmacAuthorization(header: string | undefined): HmacAuthorization | undefined {
	if (!header || !/^hmac\s/i.test(header)) return undefined;
	const fields = Object.create(null) as Record<string, string>;
	for (const match of header.slice(5).matchAll(/(\w+)="([^"]*)"/g)) fields[match[1]] = match[2];
	if (!fields.username || !fields.algorithm || !fields.headers || !fields.signature)
		return undefined;
	return {
		username: fields.username,
		algorithm: fields.algorithm,
		headers: fields.headers.split(/\s+/),
		signature: fields.signature,
	};
}
