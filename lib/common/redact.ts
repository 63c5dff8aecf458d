/**
 * Last line of defence for "secrets never appear in outputs, errors or logs": every message built
 * from a remote response passes through `redact` with the secrets of the credential in use.
 */

const BEARER = /(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi;
const FORM_SECRET = /((?:client_secret|client_assertion|access_token|refresh_token)=)[^&\s"]+/gi;
const JSON_SECRET = /("(?:client_secret|client_assertion|access_token|refresh_token|apiSecret|password)"\s*:\s*")[^"]*"/gi;

export function redact(text: string, secrets: Array<string | undefined> = []): string {
	let out = text.replace(BEARER, '$1[redacted]').replace(FORM_SECRET, '$1[redacted]').replace(JSON_SECRET, '$1[redacted]"');
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

export function isLoopbackHost(hostname: string): boolean {
	const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
