/**
 * The fakes' admin API under /_admin/ (loopback only, no auth): the same operations as `FakeState`
 * in-process. Documented in README.md.
 */
import { isLoopbackAddress, parseJsonBody, type FakeRequest, type FakeResponse } from './http-util';
import type { FakeState, RuntimeConfig } from './server';
import type { FakeSeed, FaultConfig, SeedGroup, SeedUser } from './types';

export class AdminError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export function handleAdmin(
	state: FakeState,
	req: FakeRequest,
	remote: string | undefined,
): FakeResponse {
	if (!isLoopbackAddress(remote))
		return { status: 403, body: { error: 'admin API is loopback-only' } };
	const segments = req.path.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
	const parsed = parseJsonBody(req);
	if (parsed.kind === 'invalid')
		return { status: 400, body: { error: `invalid JSON: ${parsed.message}` } };
	const body = (parsed.kind === 'json' ? parsed.value : {}) as Record<string, unknown>;
	const tenantId = req.query.get('tenant') ?? undefined;
	const ok = (value: unknown, status = 200): FakeResponse => ({ status, body: value });
	const [first, id, sub, memberId] = segments;
	const m = req.method;
	try {
		if (first === 'state' && m === 'GET') return ok(state.snapshot());
		if (first === 'state' && m === 'PUT') {
			state.load(body as FakeSeed);
			return ok({ loaded: true });
		}
		if (first === 'users' && !id && m === 'POST')
			return ok(state.createUser(body as SeedUser, tenantId), 201);
		if (first === 'users' && id && !sub && m === 'PATCH')
			return ok(state.updateUser(id, body, tenantId));
		if (first === 'users' && id && !sub && m === 'DELETE') {
			state.deleteUser(id, req.query.get('hard') === 'true', tenantId);
			return { status: 204 };
		}
		if (first === 'users' && id && sub === 'restore' && m === 'POST')
			return ok(state.restoreUser(id, tenantId));
		if (first === 'groups' && !id && m === 'POST')
			return ok(state.createGroup(body as unknown as SeedGroup, tenantId), 201);
		if (first === 'groups' && id && sub === 'members' && !memberId && m === 'POST') {
			const ids = Array.isArray(body.ids)
				? (body.ids as string[])
				: typeof body.id === 'string'
					? [body.id]
					: [];
			return ok({ members: state.addGroupMembers(id, ids, tenantId) });
		}
		if (first === 'groups' && id && sub === 'members' && memberId && m === 'DELETE')
			return ok({ members: state.removeGroupMember(id, memberId, tenantId) });
		if (first === 'faults' && m === 'GET') return ok(state.faults.current());
		if (first === 'faults' && m === 'PUT') {
			state.setFaults(body as FaultConfig);
			return ok(state.faults.current());
		}
		if (first === 'config' && m === 'GET') return ok(state.config);
		if (first === 'config' && m === 'PATCH')
			return ok(state.updateConfig(body as Partial<RuntimeConfig>));
		if (first === 'expire-tokens' && m === 'POST') {
			state.expireTokens();
			return ok({ expired: true });
		}
		if (first === 'expire-delta-tokens' && m === 'POST') {
			const reason = body.reason === 'resync' ? 'resync' : 'expired';
			state.expireDeltaTokens(reason, tenantId);
			return ok({ expired: true, reason });
		}
		if (first === 'log' && m === 'GET')
			return ok({
				entries: state.log.entries,
				counts: state.log.counts(),
				dropped: state.log.dropped,
			});
		if (first === 'reset-log' && m === 'POST') {
			state.log.reset();
			return ok({ reset: true });
		}
		const apiKey = req.query.get('apiKey') ?? undefined;
		if (first === 'messagemedia' && !id && m === 'GET')
			return ok({ accounts: state.messagemediaView(apiKey) });
		if (first === 'messagemedia' && id === 'blacklist' && m === 'GET')
			return ok({ numbers: state.blacklist(apiKey) });
		if (first === 'messagemedia' && id === 'blacklist' && !sub && m === 'POST') {
			const numbers = Array.isArray(body.numbers) ? (body.numbers as string[]) : [];
			return ok({ numbers: state.setBlacklisted(numbers, true, apiKey) });
		}
		if (first === 'messagemedia' && id === 'blacklist' && sub && m === 'DELETE')
			return ok({ numbers: state.setBlacklisted([sub], false, apiKey) });
	} catch (error) {
		const status = error instanceof AdminError ? error.status : 500;
		return { status, body: { error: (error as Error).message } };
	}
	return { status: 404, body: { error: `no admin route ${m} ${req.path}` } };
}
