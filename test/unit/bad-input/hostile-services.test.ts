/**
 * Bad-input suite, second part (the security review): hostile regex patterns, names that are
 * Object.prototype keys (department, fixed list, custom field label, attribute path), `.` and `..`
 * ids, servers that redirect, loop or never answer, and an API gateway that echoes the request into
 * its error page. Each run goes through the template's Contact Mapper and the real transports against
 * the HTTPS fakes or hostile loopback servers; each finishes within seconds, fails item by item (or
 * the run, for a service that misbehaves) with a clear message, and no output, error or console line
 * carries a credential or an access token.
 */
import { ConfigurationError, ServiceApiError } from '../../../lib/common/errors';
import { resolveEntraConfig } from '../../../lib/entra/config';
import { readUserDelta } from '../../../lib/entra/delta';
import { GraphTransport } from '../../../lib/entra/graph';
import { EntraTokenProvider } from '../../../lib/entra/token';
import { entraDirectoryWriter, getUser, listUsers, updateUser } from '../../../lib/entra/users';
import {
	compileMapper,
	isRejected,
	parseSeedConfiguration,
	type MapResult,
	type MappedItem,
	type MappingConfig,
} from '../../../lib/mapping';
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import type { SyncResult } from '../../../lib/sync';
import {
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	generateSampleOrg,
} from '../../fakes/sample-org';
import type { RunningFakes } from '../../fakes/server';
import { startTrustedFakes } from '../fakes/helpers';
import {
	SAMPLE_ACCOUNTS,
	SELECT,
	connect,
	endState,
	entraFields,
	mapUsers,
	syncContacts,
	templateMapperConfig,
	type Connections,
} from '../faults/pipeline';
import { echoGateway, json, redirect, startServer, type HostileServer } from '../security/servers';
import { HOSTILE_RECORDS } from './records';

jest.setTimeout(120_000);

/** Every own key of Object.prototype: constructor, __proto__, toString, hasOwnProperty, valueOf, … */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);
/** Names the sync engine (lib/sync) still mishandles: they are keys of its plain objects once lower-cased. */
const ENGINE_BREAKS_ON = (name: string) =>
	['constructor', '__proto__'].includes(name.toLowerCase());
const capitalise = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

let fakes: RunningFakes;
let connections: Connections;
const visible: string[] = [];
const logged: string[] = [];
const accessTokens: string[] = [];
const servers: HostileServer[] = [];

function show(value: unknown): void {
	visible.push(
		typeof value === 'string'
			? value
			: JSON.stringify(value, (_key, v: unknown) =>
					v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v,
				),
	);
}

async function server(...args: Parameters<typeof startServer>): Promise<HostileServer> {
	const started = await startServer(...args);
	servers.push(started);
	return started;
}

/** Runs `work`, records what it produced (result or error) and how long it took. */
async function timedRun<T>(
	work: () => Promise<T>,
): Promise<{ result?: T; error?: Error; ms: number }> {
	const started = Date.now();
	try {
		const result = await work();
		show(result);
		return { result, ms: Date.now() - started };
	} catch (error) {
		show(error);
		show((error as Error).message);
		return { error: error as Error, ms: Date.now() - started };
	}
}

beforeAll(async () => {
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
			logged.push(
				args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '),
			);
		});
	}
	const seed = generateSampleOrg({ userCount: 10 });
	seed.messagemedia!.accounts![0].contacts = [];
	fakes = await startTrustedFakes({ seed });
	connections = connect(fakes, SAMPLE_ACCOUNTS);
	show(await readUserDelta(connections.graph, { select: SELECT }));
	accessTokens.push(await connections.tokens.getToken());
});

afterAll(async () => {
	jest.restoreAllMocks();
	for (const started of servers) await started.close();
	await fakes?.close();
});

/** A template user: a Sales member with a valid AU mobile. */
function person(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		id: `5ec00000-0000-4000-8000-${String(n).padStart(12, '0')}`,
		displayName: `Person ${n}`,
		mail: `person${n}@contoso.example`,
		mobilePhone: `0413 200 ${String(n).padStart(3, '0')}`,
		department: 'Sales',
		accountEnabled: true,
		usageLocation: 'AU',
		...overrides,
	};
}

describe('hostile regex patterns in the scope filters', () => {
	const CATASTROPHIC = [
		'^([a-z]+ ?)+$',
		'^(a+)+$',
		'(a|aa)*b',
		'(.*a){20}',
		'^(\\w+\\s?)*$',
		'(x+x+)+y',
		'^([a-zA-Z]+)*$',
		'(a|a?)+$',
		'(?:a*)*b',
		'^(\\p{L}+\\s?)*!$',
	];
	const REFUSED: Array<[string, RegExp]> = [
		['(a)\\1\\1', /backreferences/],
		['(?=a)a', /lookaround/],
		['(?<!a)b', /lookaround/],
		['.{0,1000}.{0,1000}.{0,1000}x', /too complex/],
		['a'.repeat(1001), /longer than 1000 characters/],
		['[a-', /missing closing \]/],
		['/Sales/q', /unknown flag "q"/],
	];
	/** Names that make a backtracking engine explode: long runs of one letter ending in a mismatch. */
	const hostileNames = Array.from({ length: 300 }, (_, i) =>
		person(100 + i, { displayName: `${'a'.repeat(24 + (i % 40))}!`, department: 'x'.repeat(30) }),
	);

	function configWith(pattern: string): MappingConfig {
		const seed = parseSeedConfiguration({
			sync: {
				mapping: { displayName: 'contact_name', mobilePhone: 'phone_number', department: 'group' },
				filters: [{ attribute: 'displayName', operator: 'regex', value: pattern }],
			},
		});
		return { ...templateMapperConfig(), filters: seed.filters };
	}

	it.each(CATASTROPHIC)(
		'%s over 60 hostile records and 300 hostile names: mapped in well under 2 s, every record accounted for',
		(pattern) => {
			const mapUser = compileMapper(configWith(pattern));
			const started = Date.now();
			const results: MapResult[] = [
				...HOSTILE_RECORDS.map((record) => mapUser(record.user)),
				...hostileNames.map((user) => mapUser(user)),
			];
			expect(Date.now() - started).toBeLessThan(2000);
			expect(results).toHaveLength(HOSTILE_RECORDS.length + hostileNames.length);
			for (const result of results) {
				if (result === null) continue;
				if (isRejected(result as MappedItem))
					expect((result as { reason: string }).reason).not.toBe('');
				else expect(['upsert', 'remove']).toContain((result as MappedItem).action);
			}
			show(results.slice(0, 5));
		},
	);

	it.each(REFUSED)('%s is refused when the mapper compiles, naming its row', (pattern, why) => {
		let error: ConfigurationError | undefined;
		try {
			compileMapper(configWith(pattern));
		} catch (e) {
			error = e as ConfigurationError;
		}
		expect(error).toBeInstanceOf(ConfigurationError);
		expect(error?.key).toBe('sync.filters[0]');
		expect(error?.message).toMatch(/^sync\.filters\[0\]: invalid regular expression /);
		expect(error?.message).toMatch(why);
		show(error?.message);
	});
});

describe('hostile names: every Object.prototype key as department, fixed list, custom field label and attribute path', () => {
	const names = PROTOTYPE_KEYS.flatMap((key) => [key, capitalise(key)]).filter(
		(name, index, all) => all.indexOf(name) === index,
	);

	function configFor(name: string, withCustomField: boolean): MappingConfig {
		const base = templateMapperConfig();
		return {
			...base,
			mapping: [
				...base.mapping,
				{ source: name, field: 'note', key: `sync.mapping.${name}` },
				...(withCustomField
					? [
							{
								source: 'jobTitle',
								field: 'customField' as const,
								customFieldKey: name,
								key: 'sync.mapping.jobTitle',
							},
						]
					: []),
			],
			filters: [],
			fixedLists: [`${name} (fixed)`],
		};
	}

	it.each(names)('%s: the Contact Mapper keeps it as the name it is', (name) => {
		const withCustomField = name !== '__proto__';
		const mapUser = compileMapper(configFor(name, withCustomField));
		const item = mapUser(person(1, { department: name, jobTitle: 'Engineer' })) as MappedItem;
		expect(isRejected(item)).toBe(false);
		expect(item.contact?.lists).toEqual([name, `${name} (fixed)`]);
		expect(item.contact?.note).toBe('');
		if (withCustomField) {
			expect(Object.prototype.hasOwnProperty.call(item.contact?.customFields, name)).toBe(true);
			expect((item.contact?.customFields as Record<string, string>)[name]).toBe('Engineer');
		}
	});

	it('__proto__ as a custom field label is a configuration error naming the row', () => {
		expect(() => compileMapper(configFor('__proto__', true))).toThrow(
			/^sync\.mapping\.jobTitle: "__proto__" cannot be a custom field/,
		);
	});

	/** Maps one user per name (department = name, custom field labelled name) and syncs them all in one run. */
	async function syncNames(selected: string[], firstUser: number): Promise<SyncResult> {
		const jsons: unknown[] = [];
		selected.forEach((name, index) => {
			const batch = mapUsers(
				[person(firstUser + index, { department: name, jobTitle: `Job ${index}` })],
				configFor(name, name !== '__proto__'),
			);
			jsons.push(...batch.jsons);
		});
		const started = Date.now();
		const result = await syncContacts(connections, jsons, { mode: 'incremental' });
		expect(Date.now() - started).toBeLessThan(30_000);
		show(result);
		return result;
	}

	it('names the engine handles: one full run creates every contact, each list and custom field under its own name', async () => {
		const selected = names.filter((name) => !ENGINE_BREAKS_ON(name));
		const result = await syncNames(selected, 500);
		expect(result.outcomes.map((outcome) => outcome.action)).toEqual(selected.map(() => 'created'));
		// List names and custom field labels match case-insensitively: `toString` and `ToString` are one list.
		const state = endState(fakes, SAMPLE_MM_API_KEY);
		const lists = state.lists.map((list) => list.toLowerCase());
		const fields = state.customFields.map((field) => field.toLowerCase());
		for (const name of selected.map((one) => one.toLowerCase())) {
			expect(lists).toEqual(expect.arrayContaining([name, `${name} (fixed)`]));
			expect(fields.some((field) => field.startsWith(`${name} (`))).toBe(true);
		}
		expect(lists).not.toContain('object');
	});

	// The engine keys lists and fields by name in Maps and null-prototype records.
	it('names the engine breaks on (constructor, Constructor, __proto__): created under their own names, the run goes on', async () => {
		const selected = names.filter(ENGINE_BREAKS_ON);
		const result = await syncNames(selected, 600);
		expect(result.outcomes.map((outcome) => outcome.action)).toEqual(selected.map(() => 'created'));
		const lists = endState(fakes, SAMPLE_MM_API_KEY).lists.map((list) => list.toLowerCase());
		for (const name of selected.map((one) => one.toLowerCase()))
			expect(lists).toEqual(expect.arrayContaining([name, `${name} (fixed)`]));
		expect(lists).not.toContain('object');
	});
});

describe('. and .. ids', () => {
	it('users whose id is ".", ".." or "%2e%2e" are synced by link only: no request path holds a dot segment', async () => {
		const before = fakes.state.log.entries.length;
		const batch = mapUsers(['.', '..', '%2e%2e'].map((id, i) => person(700 + i, { id })));
		const result = await syncContacts(connections, batch.jsons, { mode: 'incremental' });
		show(result);
		expect(result.outcomes.map((outcome) => outcome.action)).toEqual([
			'created',
			'created',
			'created',
		]);
		const paths = fakes.state.log.entries
			.slice(before)
			.filter((e) => e.service === 'messagemedia')
			.map((entry) => entry.path.split('?')[0]);
		expect(paths.length).toBeGreaterThan(0);
		for (const path of paths) {
			expect({
				path,
				dotSegment: path.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)),
			}).toEqual({ path, dotSegment: false });
			// A collapsed `/contacts/..` would have reached the collection root.
			expect(path).not.toMatch(/^\/api\/v1\/contacts\/?$/);
		}
	});

	it.each(['.', '..'])(
		'user id %j: read, update and the sync write-back are refused before any Graph request',
		async (id) => {
			const before = fakes.state.log.entries.length;
			const runs: Array<() => Promise<unknown>> = [
				() => getUser(connections.graph, id, ['id']),
				() => updateUser(connections.graph, id, { jobTitle: 'x' }),
				() => entraDirectoryWriter(connections.graph).updateUser(id, { jobTitle: 'x' }),
			];
			for (const run of runs) {
				const { error, ms } = await timedRun(run);
				expect(error).toBeInstanceOf(ConfigurationError);
				expect(ms).toBeLessThan(2000);
			}
			expect(fakes.state.log.entries.length).toBe(before);
		},
	);

	it.each(['.', '..'])(
		'contact id %j: get, update and delete are refused before any MessageMedia request',
		async (id) => {
			const before = fakes.state.log.entries.length;
			const runs: Array<() => Promise<unknown>> = [
				() => connections.client.getContact(id),
				() => connections.client.updateContact(id, { firstName: 'x' }),
				() => connections.client.deleteContact(id),
			];
			for (const run of runs) {
				const { error } = await timedRun(run);
				expect(error).toBeInstanceOf(ConfigurationError);
				expect(error?.message).toMatch(/is not a MessageMedia contact id/);
			}
			expect(fakes.state.log.entries.length).toBe(before);
		},
	);
});

describe('servers that redirect, loop or never answer', () => {
	let elsewhere: HostileServer;
	beforeAll(async () => {
		elsewhere = await server((_request, response) =>
			json(response, 200, {
				value: [{ id: 'from-elsewhere' }],
				token_type: 'Bearer',
				expires_in: 3599,
				access_token: 'elsewhere-token',
				content: [],
			}),
		);
	});

	function graphAt(url: string, maxPages?: number): GraphTransport {
		return new GraphTransport(
			resolveEntraConfig({ ...entraFields(fakes, SAMPLE_ACCOUNTS), graphBaseUrl: url }),
			{
				tokens: connections.tokens,
				retryPolicy: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
				maxPages,
			},
		);
	}

	it('Graph redirecting every request elsewhere: the read fails at once (redirectRefused); nothing reaches the other origin', async () => {
		const graph = await server(
			(request, response) => redirect(response, 307, `${elsewhere.url}${request.url}`),
			{ https: true },
		);
		const { error, ms } = await timedRun(() =>
			readUserDelta(graphAt(graph.url), { select: SELECT }),
		);
		expect(error).toMatchObject({ service: 'graph', code: 'redirectRefused' });
		expect(error?.message).toContain(elsewhere.url);
		expect(ms).toBeLessThan(5000);
		expect(elsewhere.requests).toEqual([]);
	});

	it('Graph repeating one next link: the read stops (pagingLoop) after two pages', async () => {
		const graph = await server(
			(_request, response) =>
				json(response, 200, {
					value: [{ id: 'u1' }],
					...(graph.requests.length < 50
						? { '@odata.nextLink': `${graph.url}/v1.0/users/delta?$skiptoken=again` }
						: {}),
				}),
			{ https: true },
		);
		const { error, ms } = await timedRun(() =>
			readUserDelta(graphAt(graph.url), { select: SELECT }),
		);
		expect(error).toMatchObject({ code: 'pagingLoop' });
		expect(error?.message).toMatch(/already returned/);
		expect(ms).toBeLessThan(5000);
		expect(graph.requests.length).toBe(2);
	});

	it('Graph handing out new next links for ever: the read stops at the page cap', async () => {
		const graph = await server(
			(_request, response) =>
				json(response, 200, {
					value: [],
					...(graph.requests.length < 500
						? { '@odata.nextLink': `${graph.url}/v1.0/users?$skiptoken=${graph.requests.length}` }
						: {}),
				}),
			{ https: true },
		);
		const { error, ms } = await timedRun(() =>
			listUsers(graphAt(graph.url, 100), { select: SELECT }),
		);
		expect(error).toMatchObject({ code: 'tooManyPages' });
		expect(ms).toBeLessThan(10_000);
	});

	it('a token endpoint redirecting to plain http elsewhere: refused, the client secret is not re-posted', async () => {
		const login = await server(
			(request, response) => redirect(response, 307, `${elsewhere.url}${request.url}`),
			{ https: true },
		);
		const config = resolveEntraConfig({
			...entraFields(fakes, SAMPLE_ACCOUNTS),
			authorityHost: login.url,
		});
		const graph = new GraphTransport(config, {
			tokens: new EntraTokenProvider(config, { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 }),
			retryPolicy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
		});
		const { error, ms } = await timedRun(() => readUserDelta(graph, { select: SELECT }));
		expect(error).toMatchObject({ service: 'entra', code: 'redirect_refused' });
		expect(ms).toBeLessThan(5000);
		expect(elsewhere.requests).toEqual([]);
		expect(login.requests[0].body).toContain(encodeURIComponent(SAMPLE_CLIENT_SECRET));
	});

	it('a token endpoint that never answers: each attempt times out, the read fails within seconds', async () => {
		const login = await server(() => undefined, { https: true });
		const config = resolveEntraConfig({
			...entraFields(fakes, SAMPLE_ACCOUNTS),
			authorityHost: login.url,
		});
		const graph = new GraphTransport(config, {
			tokens: new EntraTokenProvider(
				config,
				{ maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
				{ timeoutMs: 500 },
			),
			retryPolicy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
		});
		const { error, ms } = await timedRun(() => readUserDelta(graph, { select: SELECT }));
		expect(error).toMatchObject({ service: 'entra', code: 'network_error' });
		expect(error?.message).toMatch(/no answer within/);
		expect(ms).toBeLessThan(5000);
	});

	it('MessageMedia redirecting every request: the sync fails at once with redirectRefused; nothing reaches the other origin', async () => {
		const api = await server((request, response) =>
			redirect(response, 307, `${elsewhere.url}${request.url}`),
		);
		const client = createMessageMediaClient(
			{
				apiKey: SAMPLE_MM_API_KEY,
				apiSecret: SAMPLE_MM_API_SECRET,
				authMethod: 'basic',
				region: 'custom',
				baseUrl: api.url,
			},
			{ retry: { maxAttempts: 1 } },
		);
		const batch = mapUsers([person(800), person(801)]);
		const { result, error, ms } = await timedRun(() =>
			syncContacts({ ...connections, client }, batch.jsons),
		);
		const text = error?.message ?? JSON.stringify(result);
		expect(text).toMatch(/redirect to http:\/\/127\.0\.0\.1:\d+; redirects are never followed/);
		expect(ms).toBeLessThan(5000);
		expect(elsewhere.requests).toEqual([]);
	});
});

describe('an API gateway that echoes the request into its error page', () => {
	const ENCODED = Buffer.from(`${SAMPLE_MM_API_KEY}:${SAMPLE_MM_API_SECRET}`).toString('base64');

	it('MessageMedia behind it: the run fails item by item or as a whole, fast, with the gateway’s words and no credential', async () => {
		// Contact reads pass (an empty account); everything else is refused with an echo of the request.
		const gateway = await server((request, response, index) => {
			if (request.method === 'GET' && request.url.startsWith('/api/v1/contacts/'))
				return json(response, 200, { content: [] });
			echoGateway(400)(request, response, index);
		});
		for (const authMethod of ['basic', 'hmac'] as const) {
			const client = createMessageMediaClient(
				{
					apiKey: SAMPLE_MM_API_KEY,
					apiSecret: SAMPLE_MM_API_SECRET,
					authMethod,
					region: 'custom',
					baseUrl: gateway.url,
				},
				{ retry: { maxAttempts: 1 } },
			);
			const batch = mapUsers([person(900), person(901), person(902)]);
			const { result, error, ms } = await timedRun(() =>
				syncContacts({ ...connections, client }, batch.jsons),
			);
			expect(ms).toBeLessThan(10_000);
			// Nothing was created; the run (or each item) failed, saying why.
			if (error !== undefined) expect(error.message).not.toBe('');
			for (const outcome of result?.outcomes ?? []) {
				expect(outcome.action).not.toBe('created');
				expect(`${outcome.reason ?? ''}${outcome.error?.message ?? ''}`).not.toBe('');
			}
		}
		// The gateway's words reached the errors (so the leak check below has the echo to search).
		expect(visible.join('\n')).toMatch(/Gateway refused/);
		expect(
			gateway.requests.some((request) => request.headers.authorization === `Basic ${ENCODED}`),
		).toBe(true);
	});

	it('Graph behind it: the read fails with the gateway’s words, and no access token', async () => {
		const gateway = await server(
			(request, response, index) => echoGateway(400)(request, response, index),
			{ https: true },
		);
		const graph = new GraphTransport(
			resolveEntraConfig({ ...entraFields(fakes, SAMPLE_ACCOUNTS), graphBaseUrl: gateway.url }),
			{
				tokens: connections.tokens,
				retryPolicy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
			},
		);
		const { error, ms } = await timedRun(() => readUserDelta(graph, { select: SELECT }));
		expect(error).toBeInstanceOf(ServiceApiError);
		expect(ms).toBeLessThan(5000);
		expect(gateway.requests[0].headers.authorization).toMatch(/^Bearer .{16,}/);
		accessTokens.push(await connections.tokens.getToken());
	});

	it('the token endpoint behind it: the token request fails, and the client secret is not in the message', async () => {
		const gateway = await server(
			(request, response, index) => echoGateway(400)(request, response, index),
			{ https: true },
		);
		const config = resolveEntraConfig({
			...entraFields(fakes, SAMPLE_ACCOUNTS),
			authorityHost: gateway.url,
		});
		const { error, ms } = await timedRun(() =>
			new EntraTokenProvider(config, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }).getToken(),
		);
		expect(error).toMatchObject({ service: 'entra' });
		expect(ms).toBeLessThan(5000);
		expect(gateway.requests[0].body).toContain('client_secret=');
	});
});

describe('no secret in any output, error or console line of the runs above', () => {
	it('holds none of: client secret, API key, API secret, encoded key:secret, an access token', () => {
		const encoded = Buffer.from(`${SAMPLE_MM_API_KEY}:${SAMPLE_MM_API_SECRET}`).toString('base64');
		const secrets: Array<[string, string]> = [
			['client secret', SAMPLE_CLIENT_SECRET],
			['client secret (form-encoded)', encodeURIComponent(SAMPLE_CLIENT_SECRET)],
			['API secret', SAMPLE_MM_API_SECRET],
			['API key', SAMPLE_MM_API_KEY],
			['encoded key:secret', encoded],
			['encoded key:secret without padding', encoded.replace(/=+$/, '')],
			...accessTokens.map((token, index): [string, string] => [`access token ${index}`, token]),
		];
		expect(visible.length).toBeGreaterThan(20);
		expect(accessTokens.every((token) => token.length >= 16)).toBe(true);
		const haystacks: Array<[string, string]> = [
			['outputs and errors', visible.join('\n')],
			['console', logged.join('\n')],
		];
		const leaks = haystacks.flatMap(([where, text]) =>
			secrets.filter(([, secret]) => text.includes(secret)).map(([what]) => `${what} in ${where}`),
		);
		expect(leaks).toEqual([]);
	});
});
