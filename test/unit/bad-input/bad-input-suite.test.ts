/**
 * Bad-input suite: 60 hostile directory records — invalid, ambiguous and duplicate phones,
 * empty and 10 kB names, control characters, RTL and emoji names, OData-injection strings, nulls and
 * wrong types — go through the template's Contact Mapper and a full sync against the HTTPS fakes
 * (MessageMedia validates every request against the vendor OpenAPI). Each record is mapped or
 * rejected with a reason, nothing crashes, nothing wrong is written, and no output, error or log line
 * carries the client secret, the private key, the API secret or an access token. Filter values are
 * escaped into Graph's `$filter`; `http://` base URLs other than loopback are refused.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { generate } from 'selfsigned';

import { ConfigurationError } from '../../../lib/common/errors';
import { credentialSecrets, resolveEntraConfig } from '../../../lib/entra/config';
import { readUserDelta } from '../../../lib/entra/delta';
import { GraphTransport } from '../../../lib/entra/graph';
import { buildUserFilter, type AttributeFilter } from '../../../lib/entra/odata';
import { listUsers } from '../../../lib/entra/users';
import { compileMapper, isRejected, type MapResult, type MappedItem } from '../../../lib/mapping';
import { createMessageMediaClient } from '../../../lib/messagemedia/client';
import { resolveMessageMediaConnection } from '../../../lib/messagemedia/config';
import type { SyncResult } from '../../../lib/sync';
import type { RejectedItem } from '../../../lib/types';
import { parseFilter, type FilterNode } from '../../fakes/odata-filter';
import {
	SAMPLE_CERT_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_SECRET,
	generateSampleOrg,
} from '../../fakes/sample-org';
import type { RunningFakes } from '../../fakes/server';
import { startTrustedFakes } from '../fakes/helpers';
import {
	SELECT,
	connect,
	endState,
	entraFields,
	syncContacts,
	templateMapperConfig,
	SAMPLE_ACCOUNTS,
	type Connections,
} from '../faults/pipeline';
import { HOSTILE_RECORDS, OData_INJECTION, idOf, type HostileRecord } from './records';

jest.setTimeout(120_000);

// eslint-disable-next-line no-control-regex -- finding control characters in written values is the point
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const E164 = /^\+[1-9]\d{6,14}$/;

let fakes: RunningFakes;
let connections: Connections;
let privateKeyPem: string;
let certificateThumbprint: string;
/** Everything the suite's runs produced that a user or an operator could see. */
const visible: string[] = [];
/** Console output of lib/ during the suite. */
const logged: string[] = [];
/** Access tokens the runs were issued. */
const accessTokens: string[] = [];

let mapped: MapResult[];
let sync: SyncResult;
/** Input index → record index (the mapper's null results are not sync inputs). */
let recordOfInput: number[];

function show(value: unknown): void {
	visible.push(
		typeof value === 'string'
			? value
			: JSON.stringify(value, (_key, v: unknown) =>
					v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v,
				),
	);
}

beforeAll(async () => {
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
			logged.push(
				args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '),
			);
		});
	}
	const certificate = await generate([{ name: 'commonName', value: 'entra-sync-bad-input' }], {
		keySize: 2048,
		algorithm: 'sha256',
	});
	privateKeyPem = certificate.private;
	certificateThumbprint = createHash('sha1')
		.update(new X509Certificate(certificate.cert).raw)
		.digest('hex');
	const seed = generateSampleOrg({ userCount: 20, certificatePem: certificate.cert });
	seed.messagemedia!.accounts![0].contacts = [];
	fakes = await startTrustedFakes({ seed });
	connections = connect(fakes, SAMPLE_ACCOUNTS);

	// A directory read first, so an access token is in play (and must never show).
	const read = await readUserDelta(connections.graph, { select: SELECT });
	show(read);
	accessTokens.push(await connections.tokens.getToken());

	const mapUser = compileMapper(templateMapperConfig());
	mapped = HOSTILE_RECORDS.map((record) => mapUser(record.user));
	show(mapped);
	const jsons: unknown[] = [];
	recordOfInput = [];
	mapped.forEach((result, index) => {
		if (result === null) return;
		recordOfInput.push(index);
		jsons.push(JSON.parse(JSON.stringify(result)));
	});
	sync = await syncContacts(connections, jsons);
	show(sync);
});

afterAll(async () => {
	jest.restoreAllMocks();
	await fakes?.close();
});

function outcomesOf(recordIndex: number) {
	return sync.outcomes.filter(
		(outcome) =>
			outcome.itemIndex !== undefined && recordOfInput[outcome.itemIndex] === recordIndex,
	);
}

function contactOf(sourceId: string) {
	return endState(fakes, SAMPLE_ACCOUNTS.apiKey).contacts.filter(
		(contact) => contact.link === sourceId,
	);
}

describe('60 hostile directory records through the Contact Mapper and a full sync', () => {
	it('has at least 40 records', () => {
		expect(HOSTILE_RECORDS.length).toBeGreaterThanOrEqual(40);
	});

	it('never crashes: every record gives a mapped item, a rejected item or the placeholder skip', () => {
		expect(mapped).toHaveLength(HOSTILE_RECORDS.length);
		expect(sync.guardFailure).toBeUndefined();
		expect(sync.summary.counts.failed).toBe(0);
	});

	it.each(HOSTILE_RECORDS.map((record, index) => [record.name, index] as const))(
		'%s',
		(_name, index) => {
			const record: HostileRecord = HOSTILE_RECORDS[index];
			const result = mapped[index];
			const expectation = record.expect;
			const outcomes = outcomesOf(index);
			switch (expectation.outcome) {
				case 'ignored':
					expect(result).toBeNull();
					return;
				case 'rejected': {
					expect(result).not.toBeNull();
					const rejected = result as RejectedItem;
					expect(isRejected(rejected as MappedItem | RejectedItem)).toBe(true);
					expect({ code: rejected.code, hasReason: rejected.reason.trim().length > 0 }).toEqual({
						code: expectation.code,
						hasReason: true,
					});
					// The sync reports it too, and writes nothing for it.
					expect(outcomes.map((outcome) => outcome.action)).toEqual(['rejected']);
					expect(outcomes[0].reason).toBe(rejected.reason);
					if (rejected.sourceId !== undefined) expect(contactOf(rejected.sourceId)).toEqual([]);
					return;
				}
				case 'outOfScope':
				case 'disabled':
				case 'deleted': {
					const item = result as MappedItem;
					expect({ action: item.action, reason: item.reason }).toEqual({
						action: 'remove',
						reason: expectation.outcome,
					});
					// No contact was ever linked to the user: nothing to remove, said so.
					expect(outcomes.map((outcome) => [outcome.action, outcome.reason])).toEqual([
						['skipped', 'No contact is linked to this user'],
					]);
					expect(contactOf(item.sourceId)).toEqual([]);
					return;
				}
				case 'conflict':
				case 'syncRejected': {
					const item = result as MappedItem;
					expect(item.action).toBe('upsert');
					expect(outcomes).toHaveLength(1);
					expect(outcomes[0].action).toBe(
						expectation.outcome === 'conflict' ? 'conflict' : 'rejected',
					);
					expect(outcomes[0].reason ?? '').not.toBe('');
					return;
				}
				case 'created': {
					const item = result as MappedItem;
					expect(item.action).toBe('upsert');
					expect(outcomes.map((outcome) => outcome.action)).toEqual(['created']);
					const [contact, ...others] = contactOf(item.sourceId);
					expect(others).toEqual([]);
					expect(contact.phone).toBe(expectation.phone);
					if (expectation.firstName !== undefined)
						expect(contact.firstName).toBe(expectation.firstName);
					if (expectation.lastName !== undefined)
						expect(contact.lastName).toBe(expectation.lastName);
					if (expectation.maxNameLength !== undefined) {
						expect(contact.firstName.length).toBeLessThanOrEqual(expectation.maxNameLength);
						expect(contact.lastName.length).toBeLessThanOrEqual(expectation.maxNameLength);
					}
					// A value cut to fit is reported on the item (the Mapper's `truncated`).
					expect(item.truncated).toEqual(expectation.truncated);
					if (expectation.lists !== undefined) expect(contact.lists).toEqual(expectation.lists);
					return;
				}
			}
		},
	);

	it('writes nothing wrong: only E.164 numbers, no control characters, no broken characters, nothing over its limit', () => {
		const state = endState(fakes, SAMPLE_ACCOUNTS.apiKey);
		const expectedCreates = HOSTILE_RECORDS.filter(
			(record) => record.expect.outcome === 'created',
		).length;
		expect(state.contacts).toHaveLength(expectedCreates);
		for (const contact of state.contacts) {
			expect(contact.phone).toMatch(E164);
			expect(contact.subscription).toBe('SUBSCRIBED');
			for (const value of [
				contact.firstName,
				contact.lastName,
				contact.email,
				contact.link,
				...contact.lists,
				...Object.values(contact.otherFields),
			]) {
				expect({
					value,
					control: CONTROL.test(value),
					surrogate: LONE_SURROGATE.test(value),
				}).toEqual({ value, control: false, surrogate: false });
				expect(value.length).toBeLessThanOrEqual(254);
			}
			expect(contact.firstName.length).toBeLessThanOrEqual(64);
			expect(contact.lastName.length).toBeLessThanOrEqual(64);
		}
		// The lists the in-scope records name, and the hand-made list; the injection string and the 10 kB department made none.
		expect(state.lists).toEqual(['Sales', 'Support', 'VIP customers']);
		// Every MessageMedia request was valid for the vendor OpenAPI (the fake answers 400 otherwise).
		const invalid = fakes.state.log.entries.filter(
			(entry) => entry.service === 'messagemedia' && entry.status >= 400,
		);
		expect(invalid).toEqual([]);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});

describe('OData injection in filter values', () => {
	const HOSTILE_VALUES = [
		OData_INJECTION,
		"') or true or ('",
		"x' or 1 eq 1 or displayName eq '",
		"O'Brien",
		"''",
		"Sales'",
		"Sales\\' or accountEnabled eq false",
		'Sales%27 or accountEnabled eq false',
		'Sales’ or accountEnabled eq false',
		"Sales' and startswith(displayName,'A') or '1' eq '1",
	];

	/** The value of the one comparison a filter must parse to. */
	function singleComparison(node: FilterNode): string | undefined {
		if (node.kind === 'compare' || node.kind === 'func') return node.value as string;
		if (node.kind === 'in' && node.values.length === 1) return node.values[0] as string;
		if (node.kind === 'any') return singleComparison(node.body);
		return undefined;
	}

	it.each(HOSTILE_VALUES)(
		'%s stays inside its string literal (equals, startsWith, endsWith, in, notEquals)',
		(value) => {
			for (const operator of ['equals', 'startsWith', 'endsWith', 'in', 'notEquals'] as const) {
				for (const attribute of ['department', 'displayName', 'otherMails']) {
					if (operator === 'in' && value.includes(',')) continue;
					const built = buildUserFilter([{ attribute, operator, value }]);
					const node = parseFilter(built!.filter);
					const inner = node.kind === 'not' ? node.operand : node;
					expect({ attribute, operator, value: singleComparison(inner) }).toEqual({
						attribute,
						operator,
						value: value.trim(),
					});
				}
			}
		},
	);

	it('the fake Graph answers an injected filter with the users of that literal value (none), not with everyone', async () => {
		const filters: AttributeFilter[] = [
			{ attribute: 'department', operator: 'equals', value: OData_INJECTION },
		];
		const users = await listUsers(connections.graph, { select: SELECT, filters });
		expect(users).toEqual([]);
		const all = await listUsers(connections.graph, { select: SELECT });
		expect(all.length).toBeGreaterThan(10);
		accessTokens.push(await connections.tokens.getToken());
	});

	it('an attribute name carrying an expression is refused before any request', () => {
		for (const attribute of ["department eq 'x' or id", 'department)', 'id,displayName', 'a b']) {
			expect(() => buildUserFilter([{ attribute, operator: 'equals', value: 'x' }])).toThrow(
				ConfigurationError,
			);
		}
	});
});

describe('secrets never appear in outputs, errors or logs', () => {
	const WRONG_CLIENT_SECRET = 'Wr0ng~Client.Secret-Value-4242';
	const WRONG_API_SECRET = 'WRONGAPISECRET0000000000000042';
	let failedWrite: SyncResult;

	beforeAll(async () => {
		// Certificate credential: a read with the private key (its PEM and its base64 body lines are secrets).
		const certFields = {
			...entraFields(fakes, SAMPLE_ACCOUNTS),
			clientId: SAMPLE_CERT_CLIENT_ID,
			authMethod: 'certificate',
			clientSecret: undefined,
			certificatePrivateKey: privateKeyPem,
			certificateThumbprint,
		};
		const cert = connect(fakes, SAMPLE_ACCOUNTS, { entraFields: certFields });
		show(await readUserDelta(cert.graph, { select: SELECT }));
		accessTokens.push(await cert.tokens.getToken());

		// Failures that carry service answers: a wrong client secret, a wrong API secret, a Graph 400,
		// a refused link, a contact write MessageMedia keeps failing.
		const wrongSecret = connect(fakes, SAMPLE_ACCOUNTS, {
			entraFields: { ...entraFields(fakes, SAMPLE_ACCOUNTS), clientSecret: WRONG_CLIENT_SECRET },
		});
		await readUserDelta(wrongSecret.graph, { select: SELECT }).then(show, show);
		const wrongApi = createMessageMediaClient(
			{
				apiKey: SAMPLE_ACCOUNTS.apiKey,
				apiSecret: WRONG_API_SECRET,
				authMethod: 'hmac',
				region: 'custom',
				baseUrl: fakes.url,
			},
			{ retry: { maxAttempts: 1 } },
		);
		await wrongApi.listLists().then(show, show);
		await listUsers(connections.graph, {
			select: SELECT,
			rawFilter: "department eq 'unterminated",
		}).then(show, show);
		await readUserDelta(connections.graph, {
			select: SELECT,
			deltaLink: `https://evil.example/v1.0/users/delta?$deltatoken=${accessTokens[0]}`,
		}).then(show, show);
		fakes.state.setFaults({
			seed: 1,
			rules: [{ service: 'messagemedia', method: 'POST', errorRate: 1, errorStatuses: [500] }],
		});
		const failing = compileMapper(templateMapperConfig())({
			id: idOf(99),
			displayName: 'Fail Ing',
			mobilePhone: '0412 100 099',
			department: 'Support',
			accountEnabled: true,
		});
		failedWrite = await syncContacts(connections, [JSON.parse(JSON.stringify(failing))], {
			mode: 'incremental',
		});
		show(failedWrite);
		fakes.state.setFaults({});
	});

	it('a failing write was reported on its item with the service error', () => {
		expect(failedWrite.outcomes.map((outcome) => [outcome.action, outcome.error?.status])).toEqual([
			['failed', 500],
		]);
	});

	it('errors were produced (so the search below has something to search)', () => {
		const text = visible.join('\n');
		expect(text).toMatch(/AADSTS7000215/);
		expect(text).toMatch(/rejected the API key\/secret/);
		expect(text).toMatch(/Refusing to call https:\/\/evil\.example/);
		expect(accessTokens.length).toBeGreaterThanOrEqual(3);
		expect(accessTokens.every((token) => token.length >= 16)).toBe(true);
	});

	it('no output, error or console line holds the client secret, the private key, the API secret or an access token', () => {
		const certificateConfig = resolveEntraConfig({
			...entraFields(fakes, SAMPLE_ACCOUNTS),
			authMethod: 'certificate',
			certificatePrivateKey: privateKeyPem,
			certificateThumbprint,
		});
		const secrets: Array<[string, string]> = [
			['client secret', SAMPLE_CLIENT_SECRET],
			['wrong client secret', WRONG_CLIENT_SECRET],
			['API secret', SAMPLE_MM_API_SECRET],
			['wrong API secret', WRONG_API_SECRET],
			['private key (as pasted)', privateKeyPem.trim()],
			...credentialSecrets(certificateConfig).map((line, index): [string, string] => [
				`private key line ${index}`,
				line,
			]),
			...privateKeyPem
				.split('\n')
				.filter((line) => line.length >= 16 && !line.startsWith('-----'))
				.map((line, index): [string, string] => [`pasted key line ${index}`, line]),
			...accessTokens.map((token, index): [string, string] => [`access token ${index}`, token]),
		];
		const haystacks: Array<[string, string]> = [
			['outputs and errors', visible.join('\n')],
			['console', logged.join('\n')],
			// What reached the services' URLs (query strings included): no credential travels in a URL.
			['request log', JSON.stringify(fakes.state.log.entries)],
		];
		const leaks = haystacks.flatMap(([where, text]) =>
			secrets.filter(([, secret]) => text.includes(secret)).map(([what]) => `${what} in ${where}`),
		);
		expect(leaks).toEqual([]);
	});
});

describe('http:// base URLs other than loopback are refused', () => {
	const REFUSED = [
		'http://login.example.com',
		'http://graph.microsoft.com',
		'http://10.0.0.5:8443',
		'http://192.168.1.10',
		'http://127.0.0.1.evil.example',
		'http://localhost.evil.example',
		'http://user:pass@example.com',
		'HTTP://EXAMPLE.COM',
		'ftp://127.0.0.1',
		'javascript:alert(1)',
	];
	const ACCEPTED = [
		'https://graph.contoso.example',
		'http://127.0.0.1:8443',
		'http://localhost:3000',
		'http://[::1]:8080',
		'http://127.10.0.1',
	];

	function entra(authorityHost: string, graphBaseUrl: string) {
		return () =>
			resolveEntraConfig({ ...entraFields(fakes, SAMPLE_ACCOUNTS), authorityHost, graphBaseUrl });
	}

	it.each(REFUSED)(
		'%s: refused for the Entra authority host, the Graph base URL and the MessageMedia base URL',
		(url) => {
			expect(entra(url, 'https://graph.contoso.example')).toThrow(ConfigurationError);
			expect(entra('https://login.contoso.example', url)).toThrow(ConfigurationError);
			expect(() =>
				resolveMessageMediaConnection({
					apiKey: 'k',
					apiSecret: 's',
					region: 'custom',
					baseUrl: url,
				}),
			).toThrow(ConfigurationError);
		},
	);

	it.each(ACCEPTED)('%s: accepted', (url) => {
		expect(entra(url, url)).not.toThrow();
		expect(() =>
			resolveMessageMediaConnection({
				apiKey: 'k',
				apiSecret: 's',
				region: 'custom',
				baseUrl: url,
			}),
		).not.toThrow();
	});

	it('a delta link or next link on another host is refused before the token is sent', async () => {
		const graph = new GraphTransport(resolveEntraConfig(entraFields(fakes, SAMPLE_ACCOUNTS)), {
			tokens: { getToken: async () => 'never-sent-token-value' },
		});
		const before = fakes.state.log.entries.length;
		for (const link of [
			'http://evil.example/v1.0/users/delta?$deltatoken=x',
			`${fakes.url.replace('127.0.0.1', 'localhost')}/v1.0/users/delta?$deltatoken=x`,
		]) {
			const error = await readUserDelta(graph, { select: SELECT, deltaLink: link }).catch(
				(e: unknown) => e,
			);
			expect(error).toBeInstanceOf(ConfigurationError);
			expect(String((error as Error).message)).not.toContain('never-sent-token-value');
		}
		expect(fakes.state.log.entries.length).toBe(before);
	});

	it('the error says why, naming the field', () => {
		const error = (() => {
			try {
				resolveMessageMediaConnection({
					apiKey: 'k',
					apiSecret: 's',
					region: 'custom',
					baseUrl: 'http://api.example.com',
				});
			} catch (e) {
				return e as ConfigurationError;
			}
			return undefined;
		})();
		expect(error?.message).toMatch(/https:\/\//);
		expect(error).toMatchObject({ key: 'baseUrl' });
	});
});
