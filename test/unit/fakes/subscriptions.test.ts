/**
 * The fake Graph's change notifications (test/fakes/graph-subscriptions.ts) against a plain local
 * HTTP endpoint: Graph's rules for creating a subscription, the validation handshake, one basic
 * notification per user change, lifecycle events, lost / duplicated / forged notifications, expiry.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { RunningFakes } from '../../fakes/server';
import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_TENANT_ID,
	generateSampleOrg,
} from '../../fakes/sample-org';
import { call, clientSecretToken, startTrustedFakes } from './helpers';

interface Received {
	path: string;
	query: URLSearchParams;
	body: any;
}

let fakes: RunningFakes;
let endpoint: Server;
let base: string;
let token: string;
const received: Received[] = [];
/** How the endpoint answers: 'echo' = a correct handshake, 'wrong' = a wrong token, 'down' = 503. */
let mode: 'echo' | 'wrong' | 'down' = 'echo';

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

const graph = (path: string, init: { method?: string; body?: object } = {}) =>
	call(`${fakes.url}/v1.0${path}`, { ...init, headers: { Authorization: `Bearer ${token}` } });
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function subscriptionBody(overrides: Record<string, unknown> = {}) {
	return {
		changeType: 'updated,deleted',
		notificationUrl: `${base}/notify`,
		lifecycleNotificationUrl: `${base}/lifecycle`,
		resource: '/users',
		expirationDateTime: inMinutes(60),
		clientState: 'secret-client-state-0123456789',
		...overrides,
	};
}

beforeAll(async () => {
	fakes = await startTrustedFakes({ seed: generateSampleOrg() });
	fakes.state.subscriptions.switches.retryDelaysMs = [50];
	token = await clientSecretToken(fakes, SAMPLE_TENANT_ID, SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET);
	endpoint = createServer((req, res) => {
		void readBody(req).then((text) => {
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			received.push({
				path: url.pathname,
				query: url.searchParams,
				body: text ? JSON.parse(text) : undefined,
			});
			const validation = url.searchParams.get('validationToken');
			if (mode === 'down') res.writeHead(503).end();
			else if (validation !== null)
				res
					.writeHead(200, { 'content-type': 'text/plain' })
					.end(mode === 'wrong' ? 'nope' : validation);
			else res.writeHead(202).end();
		});
	});
	await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
	base = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await fakes?.close();
	await new Promise((resolve) => endpoint?.close(resolve));
});

beforeEach(() => {
	received.length = 0;
	mode = 'echo';
});

test('creating validates both URLs with the handshake; Graph’s rules are enforced', async () => {
	const created = await graph('/subscriptions', { method: 'POST', body: subscriptionBody() });
	expect(created.status).toBe(201);
	expect(created.json).toMatchObject({
		resource: '/users',
		changeType: 'updated,deleted',
		notificationUrl: `${base}/notify`,
	});
	expect(
		received.map((r) => [r.path, r.query.get('validationToken')?.startsWith('Validation:')]),
	).toEqual([
		['/notify', true],
		['/lifecycle', true],
	]);
	mode = 'wrong';
	expect(
		(await graph('/subscriptions', { method: 'POST', body: subscriptionBody() })).json.error.code,
	).toBe('ValidationError');
	mode = 'echo';
	const refused = [
		subscriptionBody({ expirationDateTime: inMinutes(41_761) }),
		subscriptionBody({ expirationDateTime: inMinutes(-1) }),
		subscriptionBody({ clientState: 'x'.repeat(129) }),
		subscriptionBody({ changeType: 'created' }),
		subscriptionBody({ resource: '/groups' }),
		subscriptionBody({ notificationUrl: 'http://n8n.example.com/notify' }),
	];
	for (const body of refused)
		expect((await graph('/subscriptions', { method: 'POST', body })).status).toBe(400);
	expect(
		(
			await graph('/subscriptions', {
				method: 'POST',
				body: subscriptionBody({ expirationDateTime: inMinutes(41_759) }),
			})
		).status,
	).toBe(201);
	await graph(`/subscriptions/${created.json.id}`, { method: 'DELETE' });
	for (const sub of (await graph('/subscriptions')).json.value)
		await graph(`/subscriptions/${sub.id}`, { method: 'DELETE' });
});

test('every user change sends one basic notification; lost, duplicated and forged ones on demand; lifecycle and expiry', async () => {
	const { json: sub } = await graph('/subscriptions', { method: 'POST', body: subscriptionBody() });
	received.length = 0;
	const user = [...fakes.state.directory.defaultTenant()!.users.values()][0].data.id;
	fakes.state.updateUser(user, { jobTitle: 'Push tester' });
	fakes.state.deleteUser(user, false);
	await sleep(300);
	expect(
		received.map((r) => [
			r.path,
			r.body.value[0].changeType,
			r.body.value[0].resourceData.id,
			r.body.value[0].clientState,
		]),
	).toEqual([
		['/notify', 'updated', user, 'secret-client-state-0123456789'],
		['/notify', 'deleted', user, 'secret-client-state-0123456789'],
	]);
	expect(Object.keys(received[0].body.value[0].resourceData).sort()).toEqual([
		'@odata.id',
		'@odata.type',
		'id',
		'organizationId',
	]);

	received.length = 0;
	fakes.state.subscriptions.switches.dropNext = 1;
	fakes.state.restoreUser(user);
	fakes.state.subscriptions.switches.duplicate = true;
	fakes.state.updateUser(user, { jobTitle: 'Twice' });
	fakes.state.subscriptions.switches.duplicate = false;
	await sleep(300);
	expect(received).toHaveLength(2);
	expect(fakes.state.subscriptions.deliveries.some((d) => d.dropped && d.userId === user)).toBe(
		true,
	);

	const admin = (path: string, body: object) =>
		call(`${fakes.url}/_admin/subscriptions/${sub.id}/${path}`, { method: 'POST', body });
	received.length = 0;
	expect((await admin('notify', { clientState: 'forged', userId: user })).json.status).toBe(202);
	expect(received[0].body.value[0].clientState).toBe('forged');
	expect(
		(await admin('lifecycle', { lifecycleEvent: 'reauthorizationRequired' })).json.status,
	).toBe(202);
	expect(received[1]).toMatchObject({
		path: '/lifecycle',
		body: { value: [{ subscriptionId: sub.id, lifecycleEvent: 'reauthorizationRequired' }] },
	});

	const renewed = await graph(`/subscriptions/${sub.id}`, {
		method: 'PATCH',
		body: { expirationDateTime: inMinutes(41_000) },
	});
	expect(renewed.status).toBe(200);
	expect(
		(await graph(`/subscriptions/${sub.id}`, { method: 'PATCH', body: { resource: '/groups' } }))
			.status,
	).toBe(400);

	// Not answered → retried; expired → gone (404) and silent.
	mode = 'down';
	received.length = 0;
	fakes.state.updateUser(user, { jobTitle: 'Retried' });
	await sleep(400);
	expect(received.length).toBe(2);
	mode = 'echo';
	await admin('expire', {});
	expect((await graph(`/subscriptions/${sub.id}`)).status).toBe(404);
	expect((await graph(`/subscriptions/${sub.id}`, { method: 'DELETE' })).status).toBe(404);
	received.length = 0;
	fakes.state.updateUser(user, { jobTitle: 'Unheard' });
	await sleep(200);
	expect(received).toEqual([]);
});
