/**
 * Security review, finding 5 (low): names that are Object.prototype keys. Lists and fields lived in
 * plain objects: a department called `Constructor` created and filled a list named "Object",
 * `__proto__` made creates fail, a custom field key `constructor` aborted the whole run, a custom
 * field labelled `__proto__` was dropped silently. Every key of Object.prototype is tried as a
 * department (list), a custom field label, an attribute path and a configuration value.
 */

import { ConfigurationError } from '../../../lib/common/errors';
import { buildUpdateBody } from '../../../lib/entra/users';
import { matchesFilters } from '../../../lib/entra/odata';
import {
	compileAttributePath,
	compileMapper,
	compileScope,
	isRejected,
	parseSeedConfiguration,
} from '../../../lib/mapping';
import type { MappedItem, MappingConfig } from '../../../lib/mapping';
import { parseHmacAuthorization } from '../../../lib/messagemedia/auth';
import { runSync } from '../../../lib/sync';
import type { RejectedItem } from '../../../lib/types';
import { readContactInput } from '../../../nodes/MessageMediaContacts/actions/contact/fields';
import { MessageMediaContacts } from '../../../nodes/MessageMediaContacts/MessageMediaContacts.node';
import { executeContext } from '../../support/n8n-context';
import { inputs, noSleep, options, user } from '../sync/fixtures';
import { MemoryMessageMedia } from '../sync/memoryClient';

/** Every own key of Object.prototype: constructor, __proto__, toString, hasOwnProperty, valueOf, … */
export const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);

const BASE_CONFIG: MappingConfig = {
	mapping: [
		{ source: 'displayName', field: 'fullName' },
		{ source: 'mobilePhone', field: 'phone' },
		{ source: 'department', field: 'lists' },
	],
	defaultCountry: 'AU',
};

function mapOne(config: MappingConfig, user: Record<string, unknown>): MappedItem | RejectedItem {
	const result = compileMapper(config)(user);
	if (result === null) throw new Error('placeholder');
	return result;
}

describe('finding 5: names that are Object.prototype keys (outside lib/sync)', () => {
	it('has the keys the review names', () => {
		expect(PROTOTYPE_KEYS).toEqual(
			expect.arrayContaining(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']),
		);
	});

	describe.each(PROTOTYPE_KEYS)('%s', (key) => {
		const capitalised = key.charAt(0).toUpperCase() + key.slice(1);

		it('as a department: the mapped item lists exactly that name (and its capitalised spelling)', () => {
			for (const department of [key, capitalised]) {
				const item = mapOne(BASE_CONFIG, {
					id: 'u1',
					displayName: 'Ada Lovelace',
					mobilePhone: '0412 345 678',
					department,
				});
				expect(isRejected(item)).toBe(false);
				expect((item as MappedItem).contact?.lists).toEqual([department]);
			}
		});

		it('as a fixed list name', () => {
			const item = mapOne(
				{ ...BASE_CONFIG, fixedLists: [key] },
				{ id: 'u1', displayName: 'Ada', mobilePhone: '0412 345 678' },
			) as MappedItem;
			expect(item.contact?.lists).toEqual([key]);
		});

		it('as a custom field label: an own property with its value, or (for __proto__ only) a configuration error naming the row', () => {
			const config: MappingConfig = {
				...BASE_CONFIG,
				mapping: [
					...BASE_CONFIG.mapping,
					{
						source: 'jobTitle',
						field: 'customField',
						customFieldKey: key,
						key: 'sync.mapping.jobTitle',
					},
				],
			};
			if (key === '__proto__') {
				expect(() => compileMapper(config)).toThrow(ConfigurationError);
				expect(() => compileMapper(config)).toThrow(
					/^sync\.mapping\.jobTitle: "__proto__" cannot be a custom field/,
				);
				return;
			}
			const item = mapOne(config, {
				id: 'u1',
				displayName: 'Ada',
				mobilePhone: '0412 345 678',
				jobTitle: 'Engineer',
			}) as MappedItem;
			const fields = item.contact?.customFields as Record<string, string>;
			expect(Object.prototype.hasOwnProperty.call(fields, key)).toBe(true);
			expect(fields[key]).toBe('Engineer');
			expect(JSON.parse(JSON.stringify(fields))).toEqual(
				JSON.parse(`{${JSON.stringify(key)}:"Engineer"}`),
			);
		});

		it('as an attribute path: a missing attribute reads as missing, an own one as its value', () => {
			const read = compileAttributePath(key, 'mapping');
			expect(read({})).toBeUndefined();
			expect(read(JSON.parse(`{${JSON.stringify(key)}:"own value"}`))).toBe('own value');
			expect(compileAttributePath(`manager.${key}`, 'mapping')({ manager: {} })).toBeUndefined();
			// Mapped to a contact field: the user is mapped with the field empty, not rejected as "a function".
			const config: MappingConfig = {
				...BASE_CONFIG,
				mapping: [...BASE_CONFIG.mapping, { source: key, field: 'note' }],
			};
			const item = mapOne(config, { id: 'u1', displayName: 'Ada', mobilePhone: '0412 345 678' });
			expect(isRejected(item)).toBe(false);
			expect((item as MappedItem).contact?.note).toBe('');
			// As a scope filter: missing is empty.
			expect(compileScope([{ attribute: key, operator: 'isEmpty' }])({ id: 'u1' })).toBe(true);
			expect(
				compileScope([{ attribute: key, operator: 'regex', value: 'function' }])({ id: 'u1' }),
			).toBe(false);
			// And for the directory node's client-side filters.
			expect(matchesFilters({ id: 'u1' }, [{ attribute: key, operator: 'isEmpty' }])).toBe(true);
			expect(
				matchesFilters({ id: 'u1' }, [
					{ attribute: key, operator: 'startsWith', value: 'function' },
				]),
			).toBe(false);
		});

		it('in the JSON configuration: as a field name, direction or combineFilters it is an unknown value, named', () => {
			expect(() => parseSeedConfiguration({ sync: { mapping: { mobilePhone: key } } })).toThrow(
				/^sync\.mapping\.mobilePhone: unknown contact field/,
			);
			expect(() =>
				parseSeedConfiguration({ sync: { direction: key, mapping: { mobilePhone: 'phone' } } }),
			).toThrow(/^sync\.direction: unknown value/);
			expect(() =>
				parseSeedConfiguration({
					sync: { combineFilters: key, mapping: { mobilePhone: 'phone' } },
				}),
			).toThrow(/^sync\.combineFilters: unknown value/);
			// As a directory attribute in the mapping or filters it is a path like any other.
			const seed = parseSeedConfiguration(
				JSON.parse(
					`{"sync":{"mapping":{"mobilePhone":"phone",${JSON.stringify(key)}:"note"},"filters":{${JSON.stringify(key)}:null}}}`,
				),
			);
			expect(seed.mapping.map((rule) => rule.source)).toContain(key);
			expect(seed.filters.map((rule) => rule.attribute)).toEqual([key]);
		});

		it('as a custom field merge tag in the MessageMedia node: an own property of the contact input', () => {
			const value = JSON.parse(
				`{"phone": "+61412345678", ${JSON.stringify(`customField:${key}`)}: "tagged"}`,
			) as Record<string, string>;
			const context = executeContext(new MessageMediaContacts(), {
				parameters: {
					resource: 'contact',
					operation: 'create',
					contactFields: { mappingMode: 'defineBelow', value, schema: [] },
				},
			});
			const input = readContactInput(context, 0);
			const fields = input?.customFields as Record<string, string>;
			expect(Object.prototype.hasOwnProperty.call(fields, key)).toBe(true);
			expect(fields[key]).toBe('tagged');
		});

		it('as an attribute name in the directory node’s update fields: an own property, or refused (not a prototype change)', () => {
			const build = () =>
				buildUpdateBody({ otherAttributes: { attribute: [{ name: key, value: 'x' }] } });
			if (!/^[A-Za-z]/.test(key)) {
				expect(build).toThrow(ConfigurationError);
				return;
			}
			const body = build();
			expect(Object.prototype.hasOwnProperty.call(body, key)).toBe(true);
			expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
		});

		it('as a field of an HMAC Authorization header: no inherited value', () => {
			const parsed = parseHmacAuthorization(
				`hmac username="u", algorithm="hmac-sha1", headers="date", signature="s", ${key}="x"`,
			);
			expect(parsed?.username).toBe('u');
		});
	});
});

/**
 * The lib/sync half of the finding: the engine keeps lists and fields in Maps and null-prototype
 * records keyed by name, and input.ts builds an item's custom fields as own properties, so no name is
 * taken for an Object.prototype member.
 */
describe('finding 5: names that are Object.prototype keys (the sync engine: Maps and null-prototype records)', () => {
	async function run(items: unknown[]) {
		const mm = new MemoryMessageMedia();
		const result = await runSync(
			mm,
			inputs(items),
			options({ createMissingFields: true }),
			noSleep,
		);
		return { mm, result };
	}

	it.each(PROTOTYPE_KEYS.flatMap((key) => [key, key.charAt(0).toUpperCase() + key.slice(1)]))(
		'a department (list) named %s: that list is created and filled, nothing else',
		async (name) => {
			const { mm, result } = await run([user(1, { lists: [name] }), user(2, { lists: [name] })]);
			expect(result.outcomes.map((outcome) => outcome.action)).toEqual(['created', 'created']);
			expect([...mm.lists.values()].map((list) => list.name)).toEqual([name]);
		},
	);

	it.each(PROTOTYPE_KEYS)(
		'a custom field key %s: created and written (not dropped), the run goes on',
		async (key) => {
			const customFields = JSON.parse(`{${JSON.stringify(key)}:"value"}`) as Record<string, string>;
			const { mm, result } = await run([
				JSON.parse(JSON.stringify(user(1, { customFields }))),
				user(2),
			]);
			expect(result.outcomes.map((outcome) => outcome.action)).toEqual(['created', 'created']);
			const field = (await mm.listCustomFields()).find(
				(candidate) => candidate.label === key || candidate.mergeTag === key,
			);
			expect(field).toBeDefined();
			const written = (await mm.listContacts())
				.flatMap((contact) => contact.customFields)
				.filter((value) => value.id === field?.id);
			expect(written.map((value) => value.value)).toEqual(['value']);
		},
	);
});
