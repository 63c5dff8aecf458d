/**
 * Last line of defence for "secrets never appear in outputs, errors or logs": every message built
 * from a remote response passes through `redact` with the secrets of the credential in use.
 */

const BEARER = /(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;
/**
 * HTTP Basic credentials (`Basic base64(key:secret)`), as a gateway error page that echoes the request
 * shows them. Only a token that decodes to `user:password` is redacted, so prose ("Basic authentication
 * is disabled") stays readable.
 */
const BASIC = /(basic\s+)([A-Za-z0-9+/]{4,}={0,2})/gi;
/** The HMAC signature of a MessageMedia request (replayable for its date and request line). */
const HMAC_SIGNATURE = /(signature\s*=\s*\\?")[^"\\]*/gi;
const FORM_SECRET = /((?:client_secret|client_assertion|access_token|refresh_token)=)[^&\s"]+/gi;
const JSON_SECRET =
	/("(?:client_secret|client_assertion|access_token|refresh_token|apiSecret|password)"\s*:\s*")[^"]*"/gi;
/** A JWT anywhere (an access token, or the signed client assertion of a certificate credential). */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+/g;

export function redact(text: string, secrets: Array<string | undefined> = []): string {
	let out = text
		.replace(BEARER, '$1[redacted]')
		.replace(BASIC, (match, prefix: string, token: string) =>
			Buffer.from(token, 'base64').toString('latin1').includes(':') ? `${prefix}[redacted]` : match,
		)
		.replace(HMAC_SIGNATURE, '$1[redacted]')
		.replace(FORM_SECRET, '$1[redacted]')
		.replace(JSON_SECRET, '$1[redacted]"')
		.replace(JWT, '[redacted]');
	for (const secret of secrets) {
		if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
	}
	return out;
}

/** Accepts only https:// URLs, or http:// when the host is loopback (local fakes and proxies). */
export function assertSafeBaseUrl(url: string, what: string): URL {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new Error(`${what} "${url}" is not a valid URL`);
	}
	if (parsed.protocol === 'https:') return parsed;
	if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return parsed;
	throw new Error(
		`${what} must use https:// (http:// is accepted only for loopback hosts such as localhost or 127.0.0.1): got "${parsed.protocol}//${parsed.host}"`,
	);
}

/**
 * `localhost`, an IPv4 literal in 127.0.0.0/8 or the IPv6 literal ::1, and nothing else: a name such
 * as `app.localhost` or `localhost.` goes to DNS like any other name, which may answer with any address.
 */
export function isLoopbackHost(hostname: string): boolean {
	const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
