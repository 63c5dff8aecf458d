/** The fake MessageMedia's request and response helpers: query arrays, the Contacts API's ApiError / InvalidInputApiError shapes. */
import { randomUUID } from 'node:crypto';

import type { FakeResponse } from './http-util';
import type { InvalidField } from './messagemedia-store';

export class ApiFailure extends Error {
	constructor(
		readonly status: number,
		readonly type: string,
		readonly title: string,
		readonly detail: string,
		readonly invalidFields?: InvalidField[],
	) {
		super(detail);
	}
}

export const badRequest = (detail: string, invalidFields: InvalidField[]) =>
	new ApiFailure(400, 'validation', 'Bad Request', detail, invalidFields);
export const notFound = (what: string, id: string) =>
	new ApiFailure(404, 'not_found', 'Not Found', `${what} with id ${id} not found`);
export const conflict = (detail: string) => new ApiFailure(409, 'conflict', 'Conflict', detail);

/** "body/channels/0/channelId must match format" → channels[0].channelId + invalid_format. */
export function invalidFieldsFromContractErrors(errors: string[]): InvalidField[] {
	return errors.map((error) => {
		const space = error.indexOf(' ');
		const location = space < 0 ? error : error.slice(0, space);
		const message = space < 0 ? '' : error.slice(space + 1);
		const [, ...segments] = location.split(/[/.]/);
		const required = /must have required property '([^']+)'/.exec(message);
		if (required) segments.push(required[1]);
		const name =
			segments.reduce(
				(acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
				'',
			) || location;
		let code = 'invalid_format';
		if (required) code = 'must_not_be_null';
		else if (/must be (string|integer|number|array|object|boolean)/.test(message))
			code = 'type_mismatch';
		else if (/must NOT have (more|fewer) than/.test(message)) code = 'invalid_length';
		else if (/must be [<>]=?/.test(message)) code = 'constraint_violation';
		else if (/required/.test(message)) code = 'missing_parameter';
		return { name, code, reason: message || error };
	});
}

export function str(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

export function json(status: number, body: Record<string, unknown>): FakeResponse {
	return { status, body, contentType: 'application/json' };
}

export function apiError(failure: ApiFailure): FakeResponse {
	const body: Record<string, unknown> = {
		uuid: randomUUID(),
		type: failure.type,
		title: failure.title,
		detail: failure.detail,
	};
	if (failure.status === 400) body.invalidFields = failure.invalidFields ?? [];
	return { status: failure.status, contentType: 'application/json', body };
}

const ARRAY_QUERY_PARAMS = new Set([
	'listIds',
	'contactIds',
	'channelIds',
	'channelTypes',
	'customFieldIds',
]);

/** Arrays may come as repeated keys or comma-separated; the fake accepts both and works on repeated keys. */
export function normalizeQuery(query: URLSearchParams): URLSearchParams {
	const out = new URLSearchParams();
	for (const [key, value] of query) {
		if (ARRAY_QUERY_PARAMS.has(key) && value.includes(',')) {
			for (const part of value.split(',')) if (part.trim() !== '') out.append(key, part.trim());
		} else {
			out.append(key, value);
		}
	}
	return out;
}
