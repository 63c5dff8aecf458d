/**
 * Test helpers for the fakes. In-process clients (global fetch: msal-node 7, graph-client, our own calls)
 * trust the fakes' CA through tls.setDefaultCACertificates (Node ≥ 22.19/24.5): NODE_EXTRA_CA_CERTS
 * cannot be set after the process started. Child processes use NODE_EXTRA_CA_CERTS=<caFile> instead.
 */
import { createHash, createHmac } from 'node:crypto';
import * as tls from 'node:tls';

import { startFakes, type RunningFakes } from '../../fakes/server';
import type { FakeOptions, SeedMessageMediaAccount } from '../../fakes/types';

export function trustCa(ca: string): void {
	tls.setDefaultCACertificates([...tls.getCACertificates('default'), ca]);
}

/** Fakes started by this test file and not closed yet. */
const running = new Set<RunningFakes>();

/**
 * Starts the fakes and trusts their CA. Whatever a test file leaves running (a test that failed before
 * its own `close()`) is closed after the file, so a failing test never keeps jest from exiting.
 */
export async function startTrustedFakes(options: FakeOptions = {}): Promise<RunningFakes> {
	const fakes = await startFakes(options);
	trustCa(fakes.ca);
	const close = fakes.close.bind(fakes);
	fakes.close = async () => {
		running.delete(fakes);
		await close();
	};
	running.add(fakes);
	return fakes;
}

afterAll(async () => {
	await Promise.all([...running].map(async (fakes) => await fakes.close()));
});

/** The fakes with these MessageMedia accounts as their whole seed (and these options). */
export async function startMessageMediaFakes(
	accounts: SeedMessageMediaAccount[],
	options: FakeOptions = {},
): Promise<RunningFakes> {
	return await startTrustedFakes({ ...options, seed: { messagemedia: { accounts } } });
}

/** Numbers of `optOutAccount`: one on the account's blacklist, one only UNSUBSCRIBED on a contact. */
export const BLACKLISTED = '+61491570157';
export const UNSUBSCRIBED_ONLY = '+61491570158';

/** An account whose blacklist holds BLACKLISTED and whose one contact has UNSUBSCRIBED_ONLY unsubscribed (not blacklisted). */
export function optOutAccount(apiKey: string, apiSecret: string): SeedMessageMediaAccount {
	return {
		apiKey,
		apiSecret,
		blacklist: [BLACKLISTED],
		contacts: [
			{
				firstName: 'Opted',
				channels: [
					{ channelId: UNSUBSCRIBED_ONLY, type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
				],
			},
		],
	};
}

export interface CallResult {
	status: number;
	headers: Headers;
	text: string;
	json: any;
}

export async function call(
	url: string,
	init: { method?: string; headers?: Record<string, string>; body?: string | object } = {},
): Promise<CallResult> {
	const headers = { ...(init.headers ?? {}) };
	let body: string | undefined;
	if (init.body !== undefined) {
		body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
		if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
			headers['content-type'] = 'application/json';
	}
	const response = await fetch(url, { method: init.method ?? 'GET', headers, body });
	const text = await response.text();
	let json: any;
	try {
		json = text ? JSON.parse(text) : undefined;
	} catch {
		json = undefined;
	}
	return { status: response.status, headers: response.headers, text, json };
}

export async function clientSecretToken(
	fakes: RunningFakes,
	tenant: string,
	clientId: string,
	secret: string,
): Promise<string> {
	const result = await call(`${fakes.url}/${tenant}/oauth2/v2.0/token`, {
		method: 'POST',
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: clientId,
			client_secret: secret,
			scope: 'https://graph.microsoft.com/.default',
		}).toString(),
	});
	if (result.status !== 200) throw new Error(`token failed: ${result.text}`);
	return result.json.access_token as string;
}

/** Signs like the official MessageMedia SDKs (hmac-sha1, `date`, `x-Content-MD5`, path without query). */
export function sdkHmacHeaders(
	apiKey: string,
	apiSecret: string,
	method: string,
	path: string,
	body?: string,
	date = new Date().toUTCString(),
): Record<string, string> {
	const headers: Record<string, string> = { date };
	const lines = [`date: ${date}`];
	if (body !== undefined) {
		headers['x-Content-MD5'] = createHash('md5').update(body).digest('hex');
		lines.push(`x-Content-MD5: ${headers['x-Content-MD5']}`);
	}
	lines.push(`${method} ${path} HTTP/1.1`);
	const signature = createHmac('sha1', apiSecret).update(lines.join('\n')).digest('base64');
	headers.Authorization = `hmac username="${apiKey}", algorithm="hmac-sha1", headers="date${body !== undefined ? ' x-Content-MD5' : ''} request-line", signature="${signature}"`;
	return headers;
}

/** Signs like the developer guide (hmac-sha256, `Date`, `Content-MD5`); `target` may include the query. */
export function guideHmacHeaders(
	apiKey: string,
	apiSecret: string,
	method: string,
	target: string,
	body?: string,
	date = new Date().toUTCString(),
): Record<string, string> {
	const headers: Record<string, string> = { Date: date };
	const lines = [`Date: ${date}`];
	if (body !== undefined) {
		headers['Content-MD5'] = createHash('md5').update(body).digest('hex');
		lines.push(`Content-MD5: ${headers['Content-MD5']}`);
	}
	lines.push(`${method} ${target} HTTP/1.1`);
	const signature = createHmac('sha256', apiSecret).update(lines.join('\n')).digest('base64');
	headers.Authorization = `hmac username="${apiKey}", algorithm="hmac-sha256", headers="Date${body !== undefined ? ' Content-MD5' : ''} request-line", signature="${signature}"`;
	return headers;
}

export function basicAuth(apiKey: string, apiSecret: string): Record<string, string> {
	return { Authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` };
}
