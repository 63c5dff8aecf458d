/**
 * Hostile loopback servers for the security tests: a handler per request, over HTTP or HTTPS (the
 * fakes' throw-away CA, trusted in-process through tls.setDefaultCACertificates). Every server listens
 * on 127.0.0.1 only and records what reached it, body included, so a test can prove a secret was not
 * re-sent somewhere it should not go.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

import { tlsMaterial } from '../../fakes/tls';
import { trustCa } from '../fakes/helpers';

export interface SeenRequest {
	method: string;
	url: string;
	headers: http.IncomingHttpHeaders;
	body: string;
}

export interface HostileServer {
	/** Origin, e.g. `https://127.0.0.1:40123` (HTTPS servers answer to `localhost` too). */
	url: string;
	requests: SeenRequest[];
	close(): Promise<void>;
}

export type Handler = (request: SeenRequest, response: http.ServerResponse, index: number) => void;

export async function startServer(
	handler: Handler,
	options: { https?: boolean } = {},
): Promise<HostileServer> {
	const requests: SeenRequest[] = [];
	const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const seen = {
				method: req.method ?? '',
				url: req.url ?? '',
				headers: req.headers,
				body: Buffer.concat(chunks).toString('utf8'),
			};
			requests.push(seen);
			handler(seen, res, requests.length - 1);
		});
	};
	let server: http.Server;
	if (options.https) {
		const material = await tlsMaterial();
		trustCa(material.caPem);
		server = https.createServer({ key: material.keyPem, cert: material.certPem }, listener);
	} else {
		server = http.createServer(listener);
	}
	await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
	const port = (server.address() as AddressInfo).port;
	return {
		url: `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`,
		requests,
		close: async () => {
			server.closeAllConnections();
			await new Promise((done) => server.close(done));
		},
	};
}

/** Sends JSON with a status. */
export function json(
	response: http.ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {},
): void {
	response
		.writeHead(status, { 'Content-Type': 'application/json', ...headers })
		.end(JSON.stringify(body));
}

/** A 3xx to `location`. */
export function redirect(response: http.ServerResponse, status: number, location: string): void {
	response.writeHead(status, { Location: location, 'Content-Length': '0' }).end();
}

/** An API gateway's error page that echoes the request it refused: method, path, every header, the body. */
export function echoGateway(status = 400): Handler {
	return (request, response) => {
		const echoed = `${request.method} ${request.url}\n${Object.entries(request.headers)
			.map(([name, value]) => `${name}: ${String(value)}`)
			.join('\n')}\n\n${request.body}`;
		json(response, status, {
			title: `Gateway refused: ${echoed}`,
			detail: echoed,
			message: echoed,
			type: `echo ${request.headers.authorization ?? ''}`,
			uuid: String(request.headers.authorization ?? ''),
			invalidFields: [
				{ name: 'authorization', reason: String(request.headers.authorization ?? '') },
			],
			error: { code: `Echo ${request.headers.authorization ?? ''}`, message: echoed },
			error_description: echoed,
		});
	};
}

/** A `startServer` for one test file: every server it starts is closed after the file's tests. */
export function serverPool(): (...args: Parameters<typeof startServer>) => Promise<HostileServer> {
	const servers: HostileServer[] = [];
	afterAll(async () => {
		for (const started of servers) await started.close();
	});
	return async (...args) => {
		const started = await startServer(...args);
		servers.push(started);
		return started;
	};
}

/** The error a promise fails with (a test fails when it succeeds). */
export async function failure<E extends Error = Error>(promise: Promise<unknown>): Promise<E> {
	return await promise.then(
		() => {
			throw new Error('expected a failure');
		},
		(error: E) => error,
	);
}
