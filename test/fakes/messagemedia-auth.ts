/**
 * MessageMedia authentication as the fake checks it, written from the vendor documentation and the
 * official SDKs (independently of the product's signing code):
 *
 * - Basic: `Authorization: Basic base64(apiKey:apiSecret)`.
 * - HMAC: `Authorization: hmac username="<key>", algorithm="hmac-sha1|sha256|sha384|sha512",
 *   headers="<names> request-line", signature="<base64>"`. Each listed header is signed as
 *   `<name as listed>: <value>`, `request-line` as `<METHOD> <path> HTTP/1.1`, lines joined by "\n".
 *   Both documented variants verify: the SDKs' (`hmac-sha1`, `date`, `x-Content-MD5`) and the
 *   developer guide's (`hmac-sha256`, `Date`, `Content-MD5`). The MD5 header (hex MD5 of the body
 *   bytes) must be signed when there is a body; the signed date must be within the allowed skew.
 *   The request line is accepted with and without the query string; the log records which one matched.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { header, type FakeRequest } from './http-util';

export interface ApiCredentials {
	apiKey: string;
	apiSecret: string;
}

export type AuthResult =
	| { ok: true; apiKey: string; scheme: string }
	| { ok: false; reason: string };

const HMAC_ALGORITHMS: Record<string, string> = {
	'hmac-sha1': 'sha1',
	'hmac-sha256': 'sha256',
	'hmac-sha384': 'sha384',
	'hmac-sha512': 'sha512',
};

function safeEqual(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

function parseHmacParameters(value: string): Record<string, string> {
	const params: Record<string, string> = {};
	const re = /(\w+)\s*=\s*"([^"]*)"/g;
	let match: RegExpExecArray | null;
	while ((match = re.exec(value)) !== null) params[match[1].toLowerCase()] = match[2];
	return params;
}

export function authenticateMessageMedia(
	req: FakeRequest,
	lookup: (apiKey: string) => ApiCredentials | undefined,
	maxSkewSeconds: number,
	now = Date.now(),
): AuthResult {
	const authorization = header(req, 'authorization');
	if (!authorization) return { ok: false, reason: 'no Authorization header' };
	const basic = /^Basic\s+(\S+)$/i.exec(authorization);
	if (basic) {
		const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		if (colon < 0) return { ok: false, reason: 'malformed Basic credentials' };
		const account = lookup(decoded.slice(0, colon));
		if (!account) return { ok: false, reason: 'unknown API key' };
		if (!safeEqual(account.apiSecret, decoded.slice(colon + 1)))
			return { ok: false, reason: 'wrong API secret' };
		return { ok: true, apiKey: account.apiKey, scheme: 'basic' };
	}
	const hmac = /^hmac\s+(.+)$/i.exec(authorization);
	if (!hmac) return { ok: false, reason: 'unsupported Authorization scheme' };
	const params = parseHmacParameters(hmac[1]);
	const { username, algorithm, headers: signedHeaders, signature } = params;
	if (!username || !algorithm || !signedHeaders || !signature)
		return { ok: false, reason: 'incomplete hmac parameters' };
	const digest = HMAC_ALGORITHMS[algorithm.toLowerCase()];
	if (!digest) return { ok: false, reason: `unsupported algorithm ${algorithm}` };
	const account = lookup(username);
	if (!account) return { ok: false, reason: 'unknown API key' };
	const names = signedHeaders.split(/\s+/).filter(Boolean);
	if (!names.includes('request-line')) return { ok: false, reason: 'request-line is not signed' };
	const dateName = names.find((n) => ['date', 'x-date'].includes(n.toLowerCase()));
	if (!dateName) return { ok: false, reason: 'no date header is signed' };
	const dateValue = header(req, dateName);
	const dateMs = dateValue ? Date.parse(dateValue) : NaN;
	if (Number.isNaN(dateMs))
		return { ok: false, reason: `missing or unparseable ${dateName} header` };
	if (Math.abs(now - dateMs) > maxSkewSeconds * 1000)
		return { ok: false, reason: `${dateName} header is outside the allowed clock skew` };
	const md5Name = names.find((n) => ['content-md5', 'x-content-md5'].includes(n.toLowerCase()));
	if (req.body.length > 0) {
		if (!md5Name)
			return { ok: false, reason: 'a body was sent but no Content-MD5 header is signed' };
		const expected = createHash('md5').update(req.body).digest('hex');
		if ((header(req, md5Name) ?? '').toLowerCase() !== expected)
			return { ok: false, reason: `${md5Name} does not match the body` };
	}
	const pathOnly = req.url.pathname;
	const withQuery = `${req.url.pathname}${req.url.search}`;
	const variants = req.url.search ? [withQuery, pathOnly] : [pathOnly];
	for (const target of variants) {
		const lines = names.map((name) => {
			if (name === 'request-line') return `${req.method} ${target} HTTP/1.1`;
			return `${name}: ${header(req, name) ?? ''}`;
		});
		const expected = createHmac(digest, account.apiSecret)
			.update(lines.join('\n'), 'utf8')
			.digest('base64');
		if (safeEqual(expected, signature)) {
			const requestLine =
				target === withQuery && req.url.search
					? 'request line with query'
					: 'request line without query';
			return {
				ok: true,
				apiKey: account.apiKey,
				scheme: `hmac ${algorithm.toLowerCase()} (${names.join(' ')}; ${requestLine})`,
			};
		}
	}
	return { ok: false, reason: 'signature mismatch' };
}
