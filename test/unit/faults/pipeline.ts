/**
 * The engine the template's nodes run, wired in-process against the HTTPS fakes: Graph read through
 * lib/entra (msal token, graph-client transport, delta with its expiry fallback), mapping through
 * lib/mapping with the template's Contact Mapper configuration, sync through lib/sync with the real
 * MessageMedia client. Only the waits of the retry policies are injected (recorded, then shortened),
 * so a suite with thousands of retries runs in seconds while still honouring Retry-After in order.
 */
import { resolve } from 'node:path';

import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../../lib/common/retry';
import {
	resolveEntraConfig,
	type EntraConfig,
	type EntraCredentialFields,
} from '../../../lib/entra/config';
import { readUserDelta, type DeltaResult } from '../../../lib/entra/delta';
import { GraphTransport } from '../../../lib/entra/graph';
import { EntraTokenProvider, type AccessTokenSource } from '../../../lib/entra/token';
import { DEFAULT_USER_ATTRIBUTES } from '../../../lib/entra/users';
import {
	compileMapper,
	isRejected,
	parseSeedConfiguration,
	type MappingConfig,
} from '../../../lib/mapping';
import {
	createMessageMediaClient,
	type HttpMessageMediaClient,
} from '../../../lib/messagemedia/client';
import {
	classifyInput,
	resolveSyncOptions,
	runSync,
	type SyncOptions,
	type SyncResult,
} from '../../../lib/sync';
import {
	SAMPLE_CLIENT_ID,
	SAMPLE_CLIENT_SECRET,
	SAMPLE_MM_API_KEY,
	SAMPLE_MM_API_SECRET,
	SAMPLE_TENANT_ID,
} from '../../fakes/sample-org';
import type { RunningFakes } from '../../fakes/server';
import type { FakeSeed } from '../../fakes/types';
import { DAILY, loadTemplate } from '../../e2e/support/workflows';

const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');

/**
 * The Contact Mapper node of templates/entra-sync.json as shipped: its configuration JSON and default
 * country, with the node's defaults for the options the template leaves alone.
 */
export function templateMapperConfig(): MappingConfig {
	const nodes = loadTemplate(PROJECT_ROOT, DAILY.file).nodes as Array<{
		name: string;
		parameters: Record<string, string>;
	}>;
	const mapper = nodes.find((node) => node.name === DAILY.mapper);
	if (mapper === undefined)
		throw new Error(`templates/${DAILY.file} has no "${DAILY.mapper}" node`);
	const seed = parseSeedConfiguration(JSON.parse(mapper.parameters.configurationJson));
	return {
		mapping: seed.mapping,
		filters: seed.filters,
		combineFilters: seed.combineFilters,
		fixedLists: seed.fixedLists,
		direction: seed.direction,
		defaultCountry: mapper.parameters.defaultCountry,
		countryAttribute: 'usageLocation',
		phoneSources: ['mobilePhone', 'businessPhones[0]'],
	};
}

/** Every wait a retry policy asked for (ms), in order; the suite then waits `realWaitMs` instead. */
export class RecordedWaits {
	readonly requested: number[] = [];

	constructor(private readonly realWaitMs = 1) {}

	readonly sleep = async (ms: number): Promise<void> => {
		this.requested.push(ms);
		await new Promise((resolve) => setTimeout(resolve, Math.min(ms, this.realWaitMs)));
	};
}

/**
 * A token source that makes the fakes expire every issued access token once, right after handing out
 * the token for the `expireOnRequest`-th Graph request: that request gets 401 InvalidAuthenticationToken.
 */
export class ExpiringTokenSource implements AccessTokenSource {
	calls = 0;
	expired = false;

	constructor(
		private readonly inner: EntraTokenProvider,
		private readonly fakes: RunningFakes,
		private readonly expireOnRequest: number | undefined,
	) {}

	get redactions(): string[] {
		return this.inner.redactions;
	}

	get counters() {
		return this.inner.counters;
	}

	async getToken(forceRefresh = false): Promise<string> {
		this.calls++;
		const token = await this.inner.getToken(forceRefresh);
		if (
			!this.expired &&
			this.expireOnRequest !== undefined &&
			this.calls === this.expireOnRequest
		) {
			this.expired = true;
			this.fakes.state.expireTokens();
		}
		return token;
	}
}

export interface Accounts {
	tenantId: string;
	clientId: string;
	clientSecret: string;
	apiKey: string;
	apiSecret: string;
}

/** The sample organisation's app and MessageMedia account (test/fakes/sample-org.ts). */
export const SAMPLE_ACCOUNTS: Accounts = {
	tenantId: SAMPLE_TENANT_ID,
	clientId: SAMPLE_CLIENT_ID,
	clientSecret: SAMPLE_CLIENT_SECRET,
	apiKey: SAMPLE_MM_API_KEY,
	apiSecret: SAMPLE_MM_API_SECRET,
};

export function entraFields(fakes: RunningFakes, accounts: Accounts): EntraCredentialFields {
	return {
		tenantId: accounts.tenantId,
		clientId: accounts.clientId,
		authMethod: 'clientSecret',
		clientSecret: accounts.clientSecret,
		cloud: 'custom',
		authorityHost: fakes.url,
		graphBaseUrl: fakes.url,
	};
}

export interface Connections {
	entraConfig: EntraConfig;
	tokens: ExpiringTokenSource;
	graph: GraphTransport;
	client: HttpMessageMediaClient;
	waits: RecordedWaits;
}

/** Fresh connections (own token provider and counters) for one run. */
export function connect(
	fakes: RunningFakes,
	accounts: Accounts,
	options: { expireTokenOnRequest?: number; entraFields?: EntraCredentialFields } = {},
): Connections {
	const waits = new RecordedWaits();
	const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, sleep: waits.sleep };
	const entraConfig = resolveEntraConfig(options.entraFields ?? entraFields(fakes, accounts));
	const tokens = new ExpiringTokenSource(
		new EntraTokenProvider(entraConfig, {
			maxAttempts: 3,
			baseDelayMs: 1,
			maxDelayMs: 10,
			sleep: waits.sleep,
		}),
		fakes,
		options.expireTokenOnRequest,
	);
	const graph = new GraphTransport(entraConfig, { retryPolicy: policy, tokens });
	const client = createMessageMediaClient(
		{
			apiKey: accounts.apiKey,
			apiSecret: accounts.apiSecret,
			authMethod: 'basic',
			region: 'custom',
			baseUrl: fakes.url,
		},
		{ retry: { sleep: waits.sleep } },
	);
	return { entraConfig, tokens, graph, client, waits };
}

/** Attributes the template's Read directory node selects (its defaults) plus what the mapper reads. */
export const SELECT = DEFAULT_USER_ATTRIBUTES;

export interface MappedBatch {
	/** Contacts output followed by the Rejected output, as the template's Merge node passes them on. */
	jsons: unknown[];
	upserts: string[];
	removals: string[];
	rejected: Array<{ sourceId?: string; code: string; reason: string; field?: string }>;
}

/** Contact Mapper over directory users (its two outputs merged, as in the template). */
export function mapUsers(
	users: unknown[],
	config: MappingConfig = templateMapperConfig(),
): MappedBatch {
	const mapUser = compileMapper(config);
	const contacts: unknown[] = [];
	const rejected: MappedBatch['rejected'] = [];
	const upserts: string[] = [];
	const removals: string[] = [];
	for (const user of users) {
		const result = mapUser(user);
		if (result === null) continue;
		if (isRejected(result)) {
			rejected.push(result);
			continue;
		}
		contacts.push(result);
		(result.action === 'upsert' ? upserts : removals).push(result.sourceId);
	}
	// JSON round trip: what n8n hands from one node to the next.
	return {
		jsons: JSON.parse(JSON.stringify([...contacts, ...rejected])) as unknown[],
		upserts,
		removals,
		rejected,
	};
}

export async function syncContacts(
	connections: Connections,
	jsons: unknown[],
	overrides: Partial<SyncOptions> = {},
): Promise<SyncResult> {
	const { inputs, invalid } = classifyInput(jsons);
	if (invalid.length > 0) throw new Error(`invalid sync inputs: ${JSON.stringify(invalid)}`);
	return await runSync(
		connections.client,
		inputs,
		resolveSyncOptions({ mode: 'full', ...overrides }),
		{
			retryPolicy: { sleep: connections.waits.sleep },
		},
	);
}

/** A delta round started from now (the trigger's activation), then the stored link after it expired. */
export async function readAfterDeltaExpiry(
	fakes: RunningFakes,
	graph: GraphTransport,
): Promise<{ first: DeltaResult; read: DeltaResult }> {
	const first = await readUserDelta(graph, { select: SELECT, startFromNow: true });
	fakes.state.expireDeltaTokens('expired');
	const read = await readUserDelta(graph, { select: SELECT, deltaLink: first.deltaLink });
	return { first, read };
}

/** What the sync controls on one contact, ids left out (they differ between runs). */
export interface ContactState {
	link: string;
	phone: string;
	subscription: string;
	firstName: string;
	lastName: string;
	email: string;
	lists: string[];
	otherFields: Record<string, string>;
}

export interface EndState {
	contacts: ContactState[];
	lists: string[];
	customFields: string[];
}

export function endState(fakes: RunningFakes, apiKey: string): EndState {
	const [account] = fakes.state.messagemediaView(apiKey) as unknown as Array<{
		contacts: Array<{
			firstName?: string;
			lastName?: string;
			channels: Array<{ channelId: string; type: string; subscriptionState: string }>;
			lists: Array<{ name: string }>;
			customFields: Array<{ mergeTag: string; value: string }>;
		}>;
		lists: Array<{ name: string }>;
		customFields: Array<{ label: string; mergeTag: string }>;
	}>;
	const contacts = account.contacts.map((contact): ContactState => {
		const fields = Object.fromEntries(
			contact.customFields.map((field) => [field.mergeTag, field.value]),
		);
		const sms = contact.channels.find((channel) => channel.type === 'SMS');
		const { entra_object_id: link = '', email = '', ...otherFields } = fields;
		// The ownership record's snapshot time is when the writing run started: not part of the end state.
		if (otherFields.entra_sync_state !== undefined)
			otherFields.entra_sync_state = otherFields.entra_sync_state.replace(/;t=\d+$/, '');
		return {
			link,
			phone: sms?.channelId ?? '',
			subscription: sms?.subscriptionState ?? '',
			firstName: contact.firstName ?? '',
			lastName: contact.lastName ?? '',
			email,
			lists: contact.lists.map((list) => list.name).sort(),
			otherFields,
		};
	});
	contacts.sort((a, b) => a.phone.localeCompare(b.phone));
	return {
		contacts,
		lists: account.lists.map((list) => list.name).sort(),
		customFields: account.customFields.map((field) => `${field.label} (${field.mergeTag})`).sort(),
	};
}

export function duplicates(values: string[]): string[] {
	const seen = new Set<string>();
	const twice = new Set<string>();
	for (const value of values) {
		if (seen.has(value)) twice.add(value);
		seen.add(value);
	}
	return [...twice];
}

export function cloneSeed(seed: FakeSeed): FakeSeed {
	return structuredClone(seed);
}
