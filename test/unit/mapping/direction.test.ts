/**
 * What the Contact Mapper stamps for reverse and bidirectional syncs: the direction (from the JSON
 * configuration) and the provenance of every field the sync can write back — and nothing for one-way.
 */
import { compileMapper, parseSeedConfiguration } from '../../../lib/mapping';
import type { MappedItem, MappingConfig, MappingRule } from '../../../lib/mapping';
import type { SyncItem } from '../../../lib/types';

const rule = (source: string, field: MappingRule['field'], customFieldKey?: string): MappingRule =>
	customFieldKey === undefined ? { source, field } : { source, field, customFieldKey };

const EXAMPLE_MAPPING = [
	rule('displayName', 'fullName'),
	rule('mobilePhone', 'phone'),
	rule('mail', 'email'),
	rule('department', 'lists'),
];

const map = (user: Record<string, unknown>, config: Partial<MappingConfig> = {}) =>
	compileMapper({
		mapping: EXAMPLE_MAPPING,
		defaultCountry: 'AU',
		direction: 'bidirectional',
		...config,
	})(user) as MappedItem;

const jane = {
	id: 'u1',
	displayName: 'Jane Doe',
	givenName: 'Jane',
	surname: 'Doe',
	mobilePhone: '0412 345 678',
	mail: 'jane@contoso.example',
	department: 'Sales',
	accountEnabled: true,
};

describe('direction stamping', () => {
	it('the JSON configuration\'s "two-way"/"bidirectional" and "reverse" reach the items', () => {
		for (const [text, direction] of [
			['two-way', 'bidirectional'],
			['bidirectional', 'bidirectional'],
			['reverse', 'reverse'],
		] as const) {
			const seed = parseSeedConfiguration({
				sync: { direction: text, mapping: { mobilePhone: 'phone_number' } },
			});
			const item = compileMapper({
				mapping: seed.mapping,
				defaultCountry: 'AU',
				direction: seed.direction,
			})(jane) as MappedItem;
			expect(item.direction).toBe(direction);
		}
	});

	it('one-way items carry neither direction nor provenance (unchanged from before)', () => {
		for (const direction of [undefined, 'one-way'] as const) {
			const item = map(jane, { direction });
			expect(item).not.toHaveProperty('direction');
			expect(item).not.toHaveProperty('provenance');
		}
	});

	it('removals carry the direction too', () => {
		const disabled = map({ ...jane, accountEnabled: false });
		expect(disabled).toMatchObject({
			action: 'remove',
			reason: 'disabled',
			direction: 'bidirectional',
		});
		const deleted = map(
			{ id: 'u2', '@removed': { reason: 'deleted' } },
			{ direction: 'reverse' },
		) as SyncItem;
		expect(deleted).toMatchObject({ action: 'remove', direction: 'reverse' });
	});
});

describe('provenance: which fields can be written back', () => {
	it('the example mapping: phone ← mobilePhone, names ← givenName/surname, email ← mail; lists (department) are not reversible', () => {
		expect(map(jane).provenance).toEqual({
			phone: { attribute: 'mobilePhone', value: '0412 345 678' },
			firstName: { attribute: 'givenName', value: 'Jane' },
			lastName: { attribute: 'surname', value: 'Doe' },
			email: { attribute: 'mail', value: 'jane@contoso.example' },
		});
	});

	it('a name split from the display name is not reversible', () => {
		const item = map({ id: 'u1', displayName: 'Jane van der Berg', mobilePhone: '0412 345 678' });
		expect(item.contact).toMatchObject({ firstName: 'Jane', lastName: 'van der Berg' });
		expect(item.provenance).not.toHaveProperty('firstName');
		expect(item.provenance).not.toHaveProperty('lastName');
	});

	it('a phone from businessPhones[0] is written back there; the attribute that gave the number wins', () => {
		const item = map({ id: 'u1', businessPhones: ['0412 345 679'] });
		expect(item.provenance?.phone).toEqual({
			attribute: 'businessPhones[0]',
			value: '0412 345 679',
		});
	});

	it('an empty mapped attribute is still reversible (MessageMedia may fill it)', () => {
		const item = map({ id: 'u1', givenName: 'Jane', mobilePhone: '0412 345 678' });
		expect(item.provenance).toMatchObject({
			lastName: { attribute: 'surname', value: null },
			email: { attribute: 'mail', value: null },
		});
	});

	it('custom fields and simple fields from top-level attributes are reversible; nested paths, lists, dates and expressions are not', () => {
		const mapping = [
			rule('mobilePhone', 'phone'),
			rule('employeeId', 'customField', 'Employee ID'),
			rule('onPremisesExtensionAttributes.extensionAttribute1', 'customField', 'Cost Centre'),
			rule('officeLocation', 'location'),
			rule('birthday', 'dateOfBirth'),
			rule('department', 'lists'),
			{ source: '={{ $json.jobTitle }}', field: 'note', kind: 'value' } as MappingRule,
		];
		const item = compileMapper({ mapping, defaultCountry: 'AU', direction: 'bidirectional' })(
			{
				...jane,
				employeeId: 'E100',
				onPremisesExtensionAttributes: { extensionAttribute1: 'CC1' },
				officeLocation: 'Sydney',
				birthday: '1990-01-02',
			},
			new Map([[6, 'Manager']]),
		) as MappedItem;
		expect(item.provenance).toEqual({
			phone: { attribute: 'mobilePhone', value: '0412 345 678' },
			'customFields.Employee ID': { attribute: 'employeeId', value: 'E100' },
			location: { attribute: 'officeLocation', value: 'Sydney' },
		});
	});

	it('a value cut to fit MessageMedia is not written back (it would lose the rest)', () => {
		const item = map({ ...jane, surname: 'x'.repeat(80) });
		expect(item.truncated).toEqual(['lastName']);
		expect(item.provenance).not.toHaveProperty('lastName');
		expect(item.provenance).toHaveProperty('firstName');
	});

	it('a multi-valued attribute other than businessPhones is not reversible', () => {
		for (const otherMails of [['a@b.example'], []]) {
			const item = map(
				{ ...jane, otherMails },
				{ mapping: [rule('mobilePhone', 'phone'), rule('otherMails', 'email')] },
			);
			expect(item.provenance).toEqual({
				phone: { attribute: 'mobilePhone', value: '0412 345 678' },
			});
		}
	});
});
