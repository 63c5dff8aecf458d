import {
	cleanText,
	compileMapper,
	parseSeedConfiguration,
	splitDisplayName,
	truncateText,
} from '../../../lib/mapping';
import type { MappedItem, MappingConfig, MappingRule } from '../../../lib/mapping';
import type { RejectedItem } from '../../../lib/types';

const rule = (source: string, field: MappingRule['field'], customFieldKey?: string): MappingRule =>
	customFieldKey === undefined ? { source, field } : { source, field, customFieldKey };

const base: MappingConfig = {
	mapping: [
		rule('displayName', 'fullName'),
		rule('mobilePhone', 'phone'),
		rule('mail', 'email'),
		rule('department', 'lists'),
	],
	defaultCountry: 'AU',
};

function mapOne(user: Record<string, unknown>, config: Partial<MappingConfig> = {}) {
	return compileMapper({ ...base, ...config })(user);
}
const contactOf = (user: Record<string, unknown>, config: Partial<MappingConfig> = {}) =>
	(mapOne(user, config) as MappedItem).contact;

describe('names', () => {
	it('splits the display name when givenName and surname are absent', () => {
		expect(splitDisplayName('Jane')).toEqual({ firstName: 'Jane' });
		expect(splitDisplayName('Jane van der Berg')).toEqual({
			firstName: 'Jane',
			lastName: 'van der Berg',
		});
		expect(splitDisplayName('Smith, Jane')).toEqual({ firstName: 'Jane', lastName: 'Smith' });
		expect(splitDisplayName('李小龍')).toEqual({ firstName: '李小龍' });
		expect(splitDisplayName('')).toEqual({});
		expect(
			contactOf({
				id: '1',
				displayName: '  Jane \u3000 van  der Berg ',
				mobilePhone: '0412345678',
			}),
		).toEqual({
			phone: '+61412345678',
			firstName: 'Jane',
			lastName: 'van der Berg',
			email: '',
			lists: [],
		});
	});

	it('uses givenName/surname from the source when present, even if only one of them', () => {
		expect(
			contactOf({
				id: '1',
				displayName: 'Dr Jane Smith (Contractor)',
				givenName: 'Jane',
				surname: 'Smith',
				mobilePhone: '0412345678',
			}),
		).toMatchObject({ firstName: 'Jane', lastName: 'Smith' });
		expect(
			contactOf({
				id: '1',
				displayName: 'Cher Sarkisian',
				givenName: 'Cher',
				mobilePhone: '0412345678',
			}),
		).toEqual({
			phone: '+61412345678',
			firstName: 'Cher',
			// Mapped but empty in the directory: sent as "" so the sync clears it.
			lastName: '',
			email: '',
			lists: [],
		});
	});

	it('mapped firstName/lastName win over everything', () => {
		const mapping = [...base.mapping, rule('extension_nickname', 'firstName')];
		expect(
			contactOf(
				{
					id: '1',
					displayName: 'Robert Smith',
					givenName: 'Robert',
					surname: 'Smith',
					extension_nickname: 'Bob',
					mobilePhone: '0412345678',
				},
				{ mapping },
			),
		).toMatchObject({ firstName: 'Bob', lastName: 'Smith' });
		// Without a value the mapped field falls back to the directory's structured name.
		expect(
			contactOf(
				{ id: '1', displayName: 'Robert Smith', givenName: 'Robert', mobilePhone: '0412345678' },
				{ mapping },
			),
		).toMatchObject({
			firstName: 'Robert',
		});
	});

	it('leaves names alone when no name field is mapped', () => {
		expect(
			contactOf(
				{ id: '1', givenName: 'Jane', surname: 'Doe', mobilePhone: '0412345678' },
				{ mapping: [rule('mobilePhone', 'phone')] },
			),
		).toEqual({
			phone: '+61412345678',
		});
	});
});

describe('phones', () => {
	it('falls back over the phone sources in order', () => {
		const noNameNoMail = { firstName: '', lastName: '', email: '', lists: [] };
		expect(contactOf({ id: '1', mobilePhone: ' ', businessPhones: ['0412 345 679'] })).toEqual({
			phone: '+61412345679',
			...noNameNoMail,
		});
		// A whole multi-valued attribute gives its first non-empty element.
		expect(
			contactOf(
				{ id: '1', businessPhones: ['', '(02) 9374 4000'] },
				{ phoneSources: ['businessPhones', 'mobilePhone'], allowFixedLine: true },
			),
		).toEqual({
			phone: '+61293744000',
			...noNameNoMail,
		});
		// An unusable mobile falls back to a usable office mobile...
		expect(
			contactOf({ id: '1', mobilePhone: '0412 345 678 x1', businessPhones: ['+61 412 345 679'] }),
		).toEqual({ phone: '+61412345679', ...noNameNoMail });
	});

	it("reports the first unusable number's code and every source's reason when none is usable", () => {
		expect(
			mapOne({ id: '1', mobilePhone: '1300-FLOWERS', businessPhones: ['(02) 9374 4000 ext. 5'] }),
		).toEqual({
			sourceId: '1',
			code: 'invalidPhone',
			reason:
				'mobilePhone: "1300-FLOWERS" contains letters, not only digits; businessPhones[0]: "(02) 9374 4000 ext. 5" has an extension (5); an SMS number cannot have one',
			field: 'phone',
			source: { id: '1', mobilePhone: '1300-FLOWERS', businessPhones: ['(02) 9374 4000 ext. 5'] },
		});
	});

	describe('fixed lines (desk phones)', () => {
		const desk = '+61 2 9374 4000';
		const fixedLine = `"${desk}" is a fixed-line number, which cannot receive SMS (allowFixedLine keeps fixed lines)`;

		it('case 10: a user with no mobile is rejected with phoneNotMobile naming businessPhones[0], not given a contact for the desk line', () => {
			const user = { id: '1', mobilePhone: null, businessPhones: [desk] };
			expect(mapOne(user)).toEqual({
				sourceId: '1',
				code: 'phoneNotMobile',
				reason: `businessPhones[0]: ${fixedLine}`,
				field: 'phone',
				source: user,
			});
		});

		it('case 10: a garbled mobile does not silently become the desk phone, even with allowFixedLine', () => {
			const user = { id: '1', mobilePhone: '0412 ABC 123', businessPhones: [desk] };
			const garbled = 'mobilePhone: "0412 ABC 123" contains letters, not only digits';
			expect(mapOne(user)).toEqual({
				sourceId: '1',
				code: 'invalidPhone',
				reason: `${garbled}; businessPhones[0]: ${fixedLine}`,
				field: 'phone',
				source: user,
			});
			expect(mapOne(user, { allowFixedLine: true })).toEqual({
				sourceId: '1',
				code: 'invalidPhone',
				reason: `${garbled}; businessPhones[0]: "${desk}" is not a mobile number, so it does not stand in for the unusable number before it`,
				field: 'phone',
				source: user,
			});
		});

		it('case 10: the example mapping mobilePhone → phone_number never yields a desk phone by default', () => {
			const config = {
				...parseSeedConfiguration({ sync: { mapping: { mobilePhone: 'phone_number' } } }),
				defaultCountry: 'AU',
			};
			const compiled = compileMapper(config);
			for (const user of [
				{ id: '1', businessPhones: [desk] },
				{ id: '2', mobilePhone: '', businessPhones: ['(02) 9374 4000'] },
				{ id: '3', mobilePhone: '12345', businessPhones: [desk] },
			]) {
				const result = compiled(user);
				expect(result !== null && 'code' in result ? result.code : result).toMatch(
					/phoneNotMobile|invalidPhone/,
				);
			}
		});

		it('case 10: a fixed line in mobilePhone itself is rejected too, naming mobilePhone', () => {
			expect(mapOne({ id: '1', mobilePhone: '(02) 9374 4000' })).toMatchObject({
				code: 'phoneNotMobile',
				reason:
					'mobilePhone: "(02) 9374 4000" is a fixed-line number, which cannot receive SMS (allowFixedLine keeps fixed lines)',
			});
		});

		it('a fallback that may be mobile is used: FIXED_LINE_OR_MOBILE (US) and mobiles', () => {
			expect(contactOf({ id: '1', businessPhones: ['+1 650 253 0000'] })?.phone).toBe(
				'+16502530000',
			);
			expect(
				contactOf({ id: '1', mobilePhone: 'none', businessPhones: ['+1 650 253 0000'] })?.phone,
			).toBe('+16502530000');
		});

		it('allowFixedLine admits a desk line when the user has no mobile', () => {
			expect(contactOf({ id: '1', businessPhones: [desk] }, { allowFixedLine: true })?.phone).toBe(
				'+61293744000',
			);
			expect(
				contactOf({ id: '1', mobilePhone: '(02) 9374 4000' }, { allowFixedLine: true })?.phone,
			).toBe('+61293744000');
		});
	});

	it('mobileOnly: a fixed line is rejected with phoneNotMobile', () => {
		const user = { id: '1', businessPhones: ['(02) 9374 4000'] };
		expect(mapOne(user, { mobileOnly: true })).toEqual({
			sourceId: '1',
			code: 'phoneNotMobile',
			reason: 'businessPhones[0]: "(02) 9374 4000" is a fixed-line number, not a mobile number',
			field: 'phone',
			source: user,
		});
	});

	it('takes the country from the country attribute (alpha-2 or name) and falls back to defaultCountry', () => {
		const config = { countryAttribute: 'country' };
		expect(
			contactOf({ id: '1', mobilePhone: '07911 123456', country: 'United Kingdom' }, config)?.phone,
		).toBe('+447911123456');
		expect(contactOf({ id: '1', mobilePhone: '07911 123456', country: 'GB' }, config)?.phone).toBe(
			'+447911123456',
		);
		expect(
			contactOf({ id: '1', mobilePhone: '0412 345 678', country: 'Atlantis' }, config)?.phone,
		).toBe('+61412345678');
		expect(
			contactOf({ id: '1', mobilePhone: '0412 345 678' }, { countryAttribute: 'usageLocation' })
				?.phone,
		).toBe('+61412345678');
	});

	it('no phone source configured with a value → missingPhone naming the sources', () => {
		expect(
			mapOne({ id: '1', displayName: 'A' }, { phoneSources: ['mobilePhone', 'otherPhones'] }),
		).toMatchObject({
			code: 'missingPhone',
			reason: 'No phone number in mobilePhone, otherPhones; an SMS contact needs one',
			field: 'phone',
		});
	});
});

describe('the user object on contact items ("source")', () => {
	const user = { id: '1', displayName: 'Jo Smith', department: 'Sales', mobilePhone: '0412345678' };
	const disabled = { ...user, accountEnabled: false };

	it("is left out by default: n8n keeps the user already as the node's input", () => {
		expect(mapOne(user)).not.toHaveProperty('source');
		expect(mapOne(disabled)).not.toHaveProperty('source');
		expect(mapOne({ id: '3', '@removed': { reason: 'deleted' } })).not.toHaveProperty('source');
	});

	it('is added to upsert and remove items with includeSource', () => {
		expect(mapOne(user, { includeSource: true })).toMatchObject({ action: 'upsert', source: user });
		expect(mapOne(disabled, { includeSource: true })).toMatchObject({
			action: 'remove',
			reason: 'disabled',
			source: disabled,
		});
	});

	it('is always on two-way items (write-back reads onPremisesSyncEnabled) and on rejected items', () => {
		const onPremises = { ...user, onPremisesSyncEnabled: true };
		expect(mapOne(onPremises, { direction: 'bidirectional' })).toMatchObject({
			direction: 'bidirectional',
			source: onPremises,
		});
		expect(mapOne(onPremises, { direction: 'reverse' })).toMatchObject({
			direction: 'reverse',
			source: onPremises,
		});
		const noPhone = { id: '2', displayName: 'No Phone', department: 'Sales' };
		expect(mapOne(noPhone)).toMatchObject({ code: 'missingPhone', source: noPhone });
	});
});

describe('scope, removals and placeholders', () => {
	const filters: MappingConfig['filters'] = [
		{ attribute: 'department', operator: 'equals', value: 'Sales' },
	];

	it('skips the Always Output Data placeholder {}', () => {
		expect(mapOne({})).toBeNull();
	});

	it('rejects an item that is not an object', () => {
		expect(compileMapper(base)(['not', 'a', 'user'])).toEqual({
			code: 'invalidInput',
			reason: 'The item is a list, not a directory user object',
			source: { value: ['not', 'a', 'user'] },
		});
	});

	it('a disabled user is removed as disabled, even when the filters mention accountEnabled', () => {
		const user = { id: '1', department: 'Sales', accountEnabled: false, mobilePhone: '0412345678' };
		const expected = {
			sourceId: '1',
			action: 'remove',
			reason: 'disabled',
			contact: { phone: '+61412345678' },
		};
		expect(mapOne(user, { filters })).toEqual(expected);
		expect(
			mapOne(user, { filters: [{ attribute: 'accountEnabled', operator: 'isTrue' }] }),
		).toEqual(expected);
		expect(
			mapOne(user, { filters: [{ attribute: 'accountEnabled', operator: 'isFalse' }] }),
		).toEqual(expected);
	});

	it('outOfScopeHandling drop: out-of-scope and disabled users vanish, deleted ones are still emitted', () => {
		const config = { filters, outOfScopeHandling: 'drop' as const };
		expect(
			mapOne({ id: '1', department: 'Marketing', mobilePhone: '0412345678' }, config),
		).toBeNull();
		expect(
			mapOne(
				{ id: '2', department: 'Sales', accountEnabled: false, mobilePhone: '0412345678' },
				config,
			),
		).toBeNull();
		expect(mapOne({ id: '3', '@removed': { reason: 'deleted' } }, config)).toEqual({
			sourceId: '3',
			action: 'remove',
			reason: 'deleted',
		});
		expect(
			mapOne({ id: '4', department: 'sales', mobilePhone: '0412345678' }, config),
		).toMatchObject({ action: 'upsert' });
	});

	it('rejects a user without id', () => {
		expect(mapOne({ id: '  ', mobilePhone: '0412345678' })).toMatchObject({
			code: 'missingId',
			field: 'id',
		});
	});
});

describe('values and text hygiene', () => {
	it('keeps legitimate Unicode (RTL with its marks, emoji ZWJ sequences, combining accents) and drops controls', () => {
		const mapping = [
			rule('mobilePhone', 'phone'),
			rule('givenName', 'firstName'),
			rule('surname', 'lastName'),
			rule('notes', 'note'),
		];
		expect(
			contactOf(
				{
					id: '1',
					mobilePhone: '0412345678',
					givenName: '\u200Fשרה\u200F',
					surname: 'Cohen 👩‍👩‍👧',
					notes: 'Line one\r\nline\u0007 two\u0085\u200B\uFEFF  end\u00AD',
				},
				{ mapping },
			),
		).toEqual({
			phone: '+61412345678',
			firstName: '\u200Fשרה\u200F',
			lastName: 'Cohen 👩‍👩‍👧',
			note: 'Line one line two end\u00AD',
		});
		expect(cleanText('Zoe\u0301 \uD800x')).toBe('Zoe\u0301 x');
		expect(cleanText('plain')).toBe('plain');
		// Bidi embedding/override/isolate controls can make "+61 4…" or a name read differently: dropped.
		expect(cleanText('\u202EevilNam\u202C e\u2066x\u2069')).toBe('evilNam ex');
		expect(cleanText('\u200Fשרה\u200E')).toBe('\u200Fשרה\u200E');
	});

	it('truncates to the limits without splitting a grapheme, and reports the fields', () => {
		const mapping = [
			rule('mobilePhone', 'phone'),
			rule('givenName', 'firstName'),
			rule('city', 'location'),
			rule('employeeId', 'customField', 'employee_id'),
		];
		const long = 'x'.repeat(63) + '👩‍👩‍👧';
		const result = mapOne(
			{
				id: '1',
				mobilePhone: '0412345678',
				givenName: long,
				city: 'y'.repeat(200),
				employeeId: 'z'.repeat(300),
			},
			{ mapping },
		) as MappedItem;
		expect(result.contact).toEqual({
			phone: '+61412345678',
			firstName: 'x'.repeat(63),
			location: 'y'.repeat(128),
			customFields: { employee_id: 'z'.repeat(255) },
		});
		expect(result.truncated).toEqual(['firstName', 'location', 'customFields.employee_id']);
		expect(truncateText('ab👍🏽cd', 4)).toBe('ab');
		expect(truncateText('ab👍🏽cd', 6)).toBe('ab👍🏽');
		expect(truncateText('short', 10)).toBe('short');
	});

	it('truncation reject: a value over the limit rejects the user', () => {
		const mapping = [rule('mobilePhone', 'phone'), rule('city', 'location')];
		expect(
			mapOne(
				{ id: '1', mobilePhone: '0412345678', city: 'y'.repeat(129) },
				{ mapping, truncation: 'reject' },
			),
		).toMatchObject({
			code: 'invalidValue',
			field: 'location',
			reason: "location is 129 characters long; MessageMedia's limit here is 128",
		});
	});

	it('wrong types become invalidValue naming the field, never a crash', () => {
		const cases: Array<[Record<string, unknown>, string, string]> = [
			[
				{ displayName: { first: 'A' } },
				'fullName',
				'displayName is an object, not text, so it cannot fill fullName',
			],
			[
				{ mobilePhone: { number: '0412345678' } },
				'phone',
				'mobilePhone is an object, not a phone number',
			],
			[{ department: [{ name: 'Sales' }] }, 'lists', 'department holds an object, not a list name'],
			[{ mail: 'not-an-address' }, 'email', '"not-an-address" is not a usable email address'],
			[
				{ mail: 'two words@x.example' },
				'email',
				'"two words@x.example" is not a usable email address',
			],
		];
		for (const [attributes, field, reason] of cases) {
			const user = { id: '1', mobilePhone: '0412345678', ...attributes };
			expect(mapOne(user) as RejectedItem).toEqual({
				sourceId: '1',
				code: 'invalidValue',
				reason,
				field,
				source: user,
			});
		}
		expect(
			contactOf({ id: '1', mobilePhone: 412345678, displayName: 42, department: true }),
		).toEqual({
			phone: '+61412345678',
			firstName: '42',
			lastName: '',
			email: '',
			lists: ['true'],
		});
	});

	it('lists: from an attribute and fixed names, multiple, de-duplicated ignoring case, empty values skipped', () => {
		const mapping = [
			rule('mobilePhone', 'phone'),
			rule('department', 'lists'),
			rule('extension_teams', 'lists'),
		];
		expect(
			contactOf(
				{
					id: '1',
					mobilePhone: '0412345678',
					department: ' Sales ',
					extension_teams: ['Alerts', '', null, 'sales', 'On  Call'],
				},
				{ mapping, fixedLists: ['All Staff', 'alerts'] },
			),
		).toEqual({ phone: '+61412345678', lists: ['Sales', 'Alerts', 'On Call', 'All Staff'] });
		expect(
			contactOf(
				{ id: '1', mobilePhone: '0412345678' },
				{ mapping: [rule('mobilePhone', 'phone')], fixedLists: ['All Staff'] },
			),
		).toEqual({
			phone: '+61412345678',
			lists: ['All Staff'],
		});
	});

	it('maps the other contact fields and custom fields (first non-empty source wins)', () => {
		const mapping = [
			rule('mobilePhone', 'phone'),
			rule('mailNickname', 'alias'),
			rule('usageLocation', 'country'),
			rule('state', 'state'),
			rule('officeLocation', 'location'),
			rule('birthday', 'dateOfBirth'),
			rule('employeeId', 'customField', 'employee_id'),
			rule('extension_costCentre', 'customField', 'Cost centre'),
			rule('companyName', 'customField', 'Cost centre'),
			rule('mail', 'email'),
			rule('otherMails', 'email'),
		];
		expect(
			contactOf(
				{
					id: '1',
					mobilePhone: '0412345678',
					mailNickname: 'anguyen',
					usageLocation: 'AU',
					state: 'NSW',
					officeLocation: 'Level 3',
					birthday: '1990-02-28T00:00:00Z',
					employeeId: 1042,
					companyName: 'Contoso',
					otherMails: ['alice@home.example'],
				},
				{ mapping },
			),
		).toEqual({
			phone: '+61412345678',
			alias: 'anguyen',
			country: 'AU',
			state: 'NSW',
			location: 'Level 3',
			dateOfBirth: '1990-02-28',
			customFields: { employee_id: '1042', 'Cost centre': 'Contoso' },
			email: 'alice@home.example',
		});
	});

	it('dateOfBirth: Graph\'s year-0001 "no date" is empty, impossible dates are rejected', () => {
		const mapping = [rule('mobilePhone', 'phone'), rule('birthday', 'dateOfBirth')];
		expect(
			contactOf(
				{ id: '1', mobilePhone: '0412345678', birthday: '0001-01-01T00:00:00Z' },
				{ mapping },
			),
		).toEqual({ phone: '+61412345678' });
		expect(
			mapOne({ id: '1', mobilePhone: '0412345678', birthday: '1990-02-30' }, { mapping }),
		).toMatchObject({
			code: 'invalidValue',
			field: 'dateOfBirth',
			reason: '"1990-02-30" is not a date (YYYY-MM-DD)',
		});
	});

	it('value rules take their value per item from the host (n8n expressions)', () => {
		const mapping: MappingRule[] = [
			rule('mobilePhone', 'phone'),
			{ source: '', field: 'note', kind: 'value', key: 'Mapping row 2' },
		];
		const mapUser = compileMapper({ mapping, defaultCountry: 'AU' });
		expect(
			(
				mapUser(
					{ id: '1', mobilePhone: '0412345678' },
					new Map([[1, 'Computed  note']]),
				) as MappedItem
			).contact,
		).toEqual({
			phone: '+61412345678',
			note: 'Computed note',
		});
		expect((mapUser({ id: '1', mobilePhone: '0412345678' }) as MappedItem).contact).toEqual({
			phone: '+61412345678',
			note: '',
		});
		expect(mapUser({ id: '1', mobilePhone: '0412345678' }, new Map([[1, { x: 1 }]]))).toMatchObject(
			{
				code: 'invalidValue',
				reason: 'Mapping row 2 is an object, not text, so it cannot fill note',
			},
		);
	});
});

describe('the directory is the source of truth for mapped fields', () => {
	it('sends "" for a mapped field that is empty in the directory, so the sync clears it', () => {
		const before = contactOf({
			id: '1',
			displayName: 'Ann Lee',
			mail: 'ann@contoso.example',
			mobilePhone: '0412345678',
			department: 'Sales',
		});
		const after = contactOf({ id: '1', displayName: 'Ann Lee', mobilePhone: '0412345678' });
		expect(before).toMatchObject({ email: 'ann@contoso.example', lists: ['Sales'] });
		expect(after).toEqual({
			phone: '+61412345678',
			firstName: 'Ann',
			lastName: 'Lee',
			email: '',
			lists: [],
		});
	});

	it('keeps the reason of a trigger removal: group-scope leavers are outOfScope, Graph removals deleted', () => {
		expect(mapOne({ id: 'x', '@removed': { reason: 'outOfScope' } })).toMatchObject({
			action: 'remove',
			reason: 'outOfScope',
		});
		expect(mapOne({ id: 'y', '@removed': { reason: 'changed' } })).toMatchObject({
			action: 'remove',
			reason: 'deleted',
		});
		expect(mapOne({ id: 'z', '@removed': { reason: 'deleted' } })).toMatchObject({
			action: 'remove',
			reason: 'deleted',
		});
	});
});
