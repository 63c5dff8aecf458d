/**
 * Public shapes of the fakes: the JSON seed (also what GET /_admin/state returns and PUT accepts),
 * the options of startFakes, the fault configuration and the request log. Documented in README.md.
 */

export type FakeService = 'token' | 'metadata' | 'graph' | 'messagemedia' | 'admin' | 'unknown';

/** A directory user: any Graph user properties; `id` and `userPrincipalName` are made up when missing. */
export type SeedUser = { id?: string; userPrincipalName?: string; displayName?: string } & Record<
	string,
	unknown
>;

export interface SeedGroup {
	id?: string;
	displayName: string;
	description?: string | null;
	mailNickname?: string;
	mailEnabled?: boolean;
	securityEnabled?: boolean;
	/** Member object ids: users and (nested) groups of the same tenant. */
	members?: string[];
}

export interface SeedApp {
	clientId: string;
	displayName?: string;
	/** Client secret; absent = the app has no secret. */
	secret?: string;
	/** One certificate (PEM) registered on the app. */
	certificatePem?: string;
	/** More certificates (PEM) registered on the app. */
	certificates?: string[];
	/** Admin consent granted (default true). false: tokens are issued but Graph answers 403 Authorization_RequestDenied. */
	consented?: boolean;
	/** Application permissions granted (default: User.ReadWrite.All, GroupMember.Read.All, Group.Read.All). */
	roles?: string[];
}

export interface SeedTenant {
	id: string;
	displayName?: string;
	domains?: string[];
	apps?: SeedApp[];
	users?: SeedUser[];
	/** Soft-deleted users (still restorable; absent from /users). */
	deletedUsers?: SeedUser[];
	groups?: SeedGroup[];
}

export interface SeedChannel {
	channelId: string;
	type: 'SMS' | 'WHATSAPP' | 'GBM' | 'INSTAGRAM' | 'FACEBOOK' | 'EMAIL';
	subscriptionState?: 'SUBSCRIBED' | 'UNSUBSCRIBED';
}

export interface SeedContact {
	id?: string;
	firstName?: string;
	lastName?: string;
	alias?: string;
	dateOfBirth?: string;
	country?: string;
	state?: string;
	location?: string;
	note?: string;
	createdDate?: string;
	lastModifiedDate?: string;
	channels: SeedChannel[];
	/** List ids or list names of the same account. */
	lists?: string[];
	/** Values by custom field id or merge tag. */
	customFields?: Record<string, string>;
}

export interface SeedList {
	id?: string;
	name: string;
	alias?: string;
	createdDate?: string;
	lastModifiedDate?: string;
}

export interface SeedCustomField {
	id?: string;
	label: string;
	mergeTag: string;
	maxLength: number;
	type: 'DATE' | 'NUMBER' | 'PHONE' | 'TEXT' | 'URL' | 'ZIP_CODE' | 'NAME' | 'EMAIL';
	createdDate?: string;
	lastModifiedDate?: string;
}

export interface SeedMessageMediaAccount {
	apiKey: string;
	apiSecret: string;
	accountId?: string;
	vendorId?: string;
	lists?: SeedList[];
	customFields?: SeedCustomField[];
	contacts?: SeedContact[];
	/** Numbers (E.164) on the account blacklist: they opted out of SMS (number authorisation API). */
	blacklist?: string[];
}

export interface FakeSeed {
	tenants?: SeedTenant[];
	messagemedia?: { accounts?: SeedMessageMediaAccount[] };
}

/** One fault rule; a request gets the effects of the first rule that matches it. */
export interface FaultRule {
	service?: FakeService;
	/** HTTP method, e.g. "GET" (any when absent). */
	method?: string;
	/** Regular expression tested against the path (without query). */
	path?: string;
	/** Fixed delay before the request is handled. */
	latencyMs?: number;
	/** Probability (0..1) of a 429 with Retry-After. */
	throttleRate?: number;
	/** Retry-After seconds on a 429 (and on injected 503s); default 1. */
	retryAfterSeconds?: number;
	/** Probability (0..1) of a 5xx. */
	errorRate?: number;
	/** Statuses drawn for an injected 5xx (default [503, 502, 504]). */
	errorStatuses?: number[];
	/** Probability (0..1) of a connection reset (socket destroyed, no response). */
	resetRate?: number;
	/** Stop injecting failures (429/5xx/reset) after this many. */
	maxInjections?: number;
	/** Start injecting only after this many matching requests passed. */
	afterRequests?: number;
}

export interface FaultConfig {
	/** PRNG seed: the same seed and the same request order give the same faults. */
	seed?: number;
	rules?: FaultRule[];
	/** Every issued access token stops working after it was used for this many Graph requests. */
	tokenInvalidateAfterRequests?: number;
	/** Every access token issued before this instant stops working from this instant (ISO date-time). */
	tokenInvalidateAt?: string;
}

export interface FakeOptions {
	/** Port on 127.0.0.1; 0 (default) = a free one. */
	port?: number;
	seed?: FakeSeed;
	faults?: FaultConfig;
	/** Where ca.pem (and the CLI's ready.json) go; default: a fresh temporary directory. */
	stateDir?: string;
	/** Access token lifetime (expires_in), default 3599 s. */
	tokenLifetimeSeconds?: number;
	/** Page size of /users/delta rounds (server-chosen in Graph), default 100. */
	deltaPageSize?: number;
	/** Delta tokens older than this are expired (Graph: 7 days), default 7 days. */
	deltaTokenMaxAgeSeconds?: number;
	/** Answer for an expired delta token: 400 syncStateNotFound (default) or 410 Gone. */
	deltaExpiredResponse?: 'syncStateNotFound' | 'gone';
	/** Default page size of the MessageMedia collections (undocumented by the vendor), default 20. */
	messageMediaDefaultPageSize?: number;
	/** Records per MessageMedia page at most, whatever `pageSize` asks (default 1000, the API's limit). */
	messageMediaMaxPageSize?: number;
	/**
	 * How MessageMedia collection pages behave (messagemedia-paging.ts): `normal` (default), `emptyPages`
	 * (an empty page with a nextPageToken between pages), `truncated` (the first page has no
	 * nextPageToken although totalElements says more), `loop` (the second page's token again and again).
	 */
	messageMediaPaging?: 'normal' | 'emptyPages' | 'truncated' | 'loop';
	/**
	 * How a contact PATCH treats its arrays (messagemedia-contacts.ts; the vendor does not say):
	 * `replace` (default) replaces the stored channels and sets the sent custom field values by id,
	 * keeping the others; `merge` adds/updates the sent channels by type + channelId, removing none;
	 * `replaceAll` replaces the stored channels and the stored custom field values.
	 */
	messageMediaPatchArrays?: 'replace' | 'merge' | 'replaceAll';
	/** Allowed clock skew for HMAC Date headers, default 300 s. */
	hmacMaxSkewSeconds?: number;
	/**
	 * MessageMedia requests per second per account (a token bucket holding one second's worth, see
	 * rate-limit.ts); beyond it 429 with Retry-After. 0 (default) = no limit.
	 */
	messageMediaRateLimit?: number;
	/** Write a line per request to stderr (default false; the CLI turns it on with --verbose). */
	verbose?: boolean;
	/** Request log entries kept (oldest dropped first, counted in `log.dropped`), default 50 000. */
	logCapacity?: number;
}

export interface RequestLogEntry {
	seq: number;
	time: string;
	service: FakeService;
	method: string;
	path: string;
	query: Record<string, string | string[]>;
	status: number;
	durationMs: number;
	/** Injected fault: latency | throttle | error | reset | rateLimit (the account's rate limit refused it). */
	fault?: string;
	/** MessageMedia: basic | hmac (with the signing variant); Graph/token: the client id. */
	auth?: string;
	/** Things a real service would silently accept but that are almost certainly client bugs. */
	warnings?: string[];
	/** Response validation failures (a bug in the fake) or the reason of a 401. */
	errors?: string[];
}
