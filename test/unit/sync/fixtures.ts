/** Builders shared by the sync tests: directory users as Contact Mapper items. */

import type { ContactFields, SyncItem } from '../../../lib/types';
import {
	classifyInput,
	resolveSyncOptions,
	type SyncInput,
	type SyncOptions,
} from '../../../lib/sync';

/** A stable Entra-style object id for user `n`. */
export const guid = (n: number): string =>
	`${n.toString(16).padStart(8, '0')}-1111-4222-8333-444455556666`;

/** An Australian mobile number for user `n`. */
export const phoneOf = (n: number): string => `+614${(10_000_000 + n).toString().slice(-8)}`;

export function user(n: number, contact: Partial<ContactFields> = {}): SyncItem {
	return {
		sourceId: guid(n),
		action: 'upsert',
		contact: {
			firstName: `First${n}`,
			lastName: `Last${n}`,
			phone: phoneOf(n),
			email: `user${n}@example.com`,
			lists: [n % 2 === 0 ? 'Sales' : 'Support'],
			...contact,
		},
	};
}

export function removal(n: number, reason: SyncItem['reason'] = 'deleted'): SyncItem {
	return { sourceId: guid(n), action: 'remove', reason };
}

export const users = (count: number, from = 1): SyncItem[] =>
	Array.from({ length: count }, (_, i) => user(from + i));

export function inputs(items: unknown[]): SyncInput[] {
	const { inputs: classified, invalid } = classifyInput(items);
	if (invalid.length > 0) throw new Error(invalid.map((i) => i.message).join('; '));
	return classified;
}

export const options = (overrides: Partial<SyncOptions> = {}): SyncOptions =>
	resolveSyncOptions(overrides);

/** No real waiting in retry tests. */
export const noSleep = { retryPolicy: { sleep: async () => {} } };
