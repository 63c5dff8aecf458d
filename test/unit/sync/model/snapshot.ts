/**
 * What the oracle reads: the MessageMedia account as plain data (ids, channels, custom field values by
 * field id, memberships, lists, the opt-out list), taken from the in-memory account between steps,
 * and a form of it without server ids and dates, to compare two accounts.
 */

import type { ContactChannel } from '../../../../lib/messagemedia/types';
import type { MemoryMessageMedia } from '../memoryClient';

export const LINK_LABEL = 'Entra Object ID';
export const EMAIL_LABEL = 'Email';
export const BASE_LABEL = 'Entra Sync Base';
export const STATE_LABEL = 'Entra Sync State';

export interface SnapContact {
	id: string;
	attributes: Record<string, string>;
	channels: ContactChannel[];
	/** Field id → value. */
	fields: Record<string, string>;
	listIds: string[];
	/** Lower-cased link value; undefined when unlinked. */
	link?: string;
}

export interface Snapshot {
	contacts: Map<string, SnapContact>;
	/** List id → name. */
	lists: Map<string, string>;
	/** Field id → label. */
	fields: Map<string, string>;
	optedOut: Set<string>;
}

export function snapshot(mm: MemoryMessageMedia): Snapshot {
	const linkId = mm.field(LINK_LABEL)?.id;
	const contacts = new Map<string, SnapContact>();
	for (const c of mm.contacts.values()) {
		const link =
			linkId === undefined ? undefined : c.customFields.get(linkId)?.trim().toLowerCase();
		contacts.set(c.id, {
			id: c.id,
			attributes: { ...c.attributes },
			channels: c.channels.map((ch) => ({ ...ch })),
			fields: Object.fromEntries(c.customFields),
			listIds: [...c.listIds],
			...(link ? { link } : {}),
		});
	}
	return {
		contacts,
		lists: new Map([...mm.lists.values()].map((l) => [l.id, l.name])),
		fields: new Map([...mm.fields.values()].map((f) => [f.id, f.label])),
		optedOut: new Set(mm.optedOut),
	};
}

export const smsNumbers = (c: SnapContact): string[] =>
	c.channels.filter((ch) => ch.type === 'SMS').map((ch) => ch.channelId);
export const firstSms = (c: SnapContact): ContactChannel | undefined =>
	c.channels.find((ch) => ch.type === 'SMS');

/** Labels of the fields the sync keeps for itself or fills from a mapping (lower case). */
export function managedLabels(mapped: string[], linkLabel = LINK_LABEL): Set<string> {
	return new Set(
		[linkLabel, EMAIL_LABEL, BASE_LABEL, STATE_LABEL, ...mapped].map((l) => l.toLowerCase()),
	);
}

/** The account without server ids and dates: one sorted line per contact, plus lists and fields. */
export function canonical(s: Snapshot): string[] {
	const label = (id: string) => s.fields.get(id) ?? id;
	const list = (id: string) => s.lists.get(id) ?? id;
	const contacts = [...s.contacts.values()].map((c) =>
		JSON.stringify({
			a: Object.entries(c.attributes)
				.filter(([, v]) => v !== '')
				.sort(),
			ch: c.channels
				.map((ch) => `${ch.type}:${ch.channelId}:${ch.subscriptionState ?? '-'}`)
				.sort(),
			f: Object.entries(c.fields)
				.map(([id, v]) => `${label(id)}=${v}`)
				.sort(),
			l: c.listIds.map(list).sort(),
		}),
	);
	return [
		...contacts.sort(),
		`lists:${[...s.lists.values()].sort().join('|')}`,
		`fields:${[...s.fields.values()].sort().join('|')}`,
	];
}
