import { compileMapper, isRejected, parseSeedConfiguration } from '../../../lib/mapping';
import type { MappedItem } from '../../../lib/mapping';
import type { RejectedItem } from '../../../lib/types';

/** The configuration example from the product page, pasted verbatim (line breaks included). */
const PRODUCT_PAGE_EXAMPLE = `{
"sync": {
"direction": "one-way",
"source": "entra-id",
"target": "messagemedia",
"schedule": "0 6 * * *",
"mapping": {
"displayName": "contact_name",
"mobilePhone": "phone_number",
"mail": "email",
"department": "group"
},
"filters": {
"department": ["Sales", "Support"],
"accountEnabled": true
}
}
}`;

const LONG_SURNAME = 'Alexander-Montgomery-Fitzgerald-Worthington-Smythe-Pemberton-Hamilton';

/** Graph user JSON as Entra Directory (or its delta trigger) outputs it. */
const users: Array<Record<string, unknown>> = [
	{
		id: 'u01',
		displayName: 'Alice Nguyen',
		givenName: 'Alice',
		surname: 'Nguyen',
		mail: 'alice@contoso.example',
		mobilePhone: '0412 345 678',
		businessPhones: [],
		department: 'Sales',
		accountEnabled: true,
		usageLocation: 'AU',
	},
	{
		id: 'u02',
		displayName: '  Bob   Smith ',
		mail: 'bob@contoso.example',
		mobilePhone: '+44 7911 123456',
		businessPhones: [],
		department: 'Support',
		accountEnabled: true,
		usageLocation: 'GB',
	},
	{
		id: 'u03',
		displayName: 'Carol Disabled',
		mobilePhone: '0412 000 111',
		department: 'Sales',
		accountEnabled: false,
	},
	{
		id: 'u04',
		displayName: 'Dan Marketing',
		mobilePhone: '0412 000 222',
		department: 'Marketing',
		accountEnabled: true,
	},
	{
		id: 'u05',
		displayName: 'Erin NoPhone',
		mail: 'erin@contoso.example',
		mobilePhone: null,
		businessPhones: [],
		department: 'Sales',
		accountEnabled: true,
	},
	{
		id: 'u06',
		displayName: 'Frank Zero',
		mobilePhone: '0061 491 570 156',
		department: 'Support',
		accountEnabled: true,
	},
	{
		id: 'u07',
		displayName: 'Grace Desk',
		mobilePhone: null,
		businessPhones: ['(02) 9374 4000'],
		department: 'Sales',
		accountEnabled: true,
		usageLocation: 'AU',
	},
	{
		id: 'u08',
		displayName: 'Heidi Ext',
		mobilePhone: '0412 345 678 x123',
		department: 'Sales',
		accountEnabled: true,
	},
	{
		id: 'u09',
		displayName: 'Ivan Vanity',
		mobilePhone: '1300-FLOWERS',
		department: 'Support',
		accountEnabled: true,
	},
	{
		id: 'u10',
		displayName: 'Judy',
		mobilePhone: '0412-555-019',
		department: 'Sales',
		accountEnabled: true,
	},
	{ id: 'u11', '@removed': { reason: 'deleted' } },
	{ id: 'u12', '@removed': { reason: 'changed' } },
	{
		id: 'u13',
		displayName: 'Ken Lower',
		mobilePhone: '0412.555.020',
		department: 'sales',
		accountEnabled: true,
	},
	{ id: 'u14', displayName: 'Leo Unknown', mobilePhone: '0412 555 021', department: 'Support' },
	{
		id: 'u15',
		displayName: 'Mallory Short',
		mobilePhone: '123',
		department: 'Sales',
		accountEnabled: true,
	},
	{
		id: 'u16',
		displayName: 'Niaj London',
		mobilePhone: '07911 123457',
		department: 'Support',
		accountEnabled: true,
		usageLocation: 'GB',
	},
	{
		id: 'u17',
		displayName: 'Olivia Valley',
		mobilePhone: '+1 (650) 253-0000',
		department: 'Sales',
		accountEnabled: true,
	},
	{
		id: 'u18',
		displayName: '  Nguyễn\tThị Minh\u200B Khai ',
		mobilePhone: '+61 412 555 022',
		department: 'Support',
		accountEnabled: true,
	},
	{
		id: 'u19',
		displayName: 'محمد علي',
		givenName: 'محمد',
		surname: 'علي 🌟',
		mobilePhone: '+61412555023',
		department: 'Sales',
		accountEnabled: true,
	},
	{
		id: 'u20',
		displayName: 'Rupert Object',
		mail: { address: 'rupert@contoso.example' },
		mobilePhone: '0412 555 024',
		department: 'Sales',
		accountEnabled: true,
	},
	{
		displayName: 'Sybil NoId',
		mobilePhone: '0412 555 025',
		department: 'Sales',
		accountEnabled: true,
	},
	{
		id: 'u22',
		displayName: 'Trent Kiwi',
		mobilePhone: '021 123 4567',
		department: 'Support',
		accountEnabled: true,
		usageLocation: 'NZ',
	},
	{},
	{
		id: 'u24',
		displayName: `Victor ${LONG_SURNAME}`,
		mobilePhone: '0412 555 026',
		department: 'Sales',
		accountEnabled: true,
	},
];

const HEX64 = /^[0-9a-f]{64}$/;

function run(defaultCountry: string) {
	const parsed = parseSeedConfiguration(PRODUCT_PAGE_EXAMPLE);
	const mapUser = compileMapper({
		...parsed,
		defaultCountry,
		countryAttribute: 'usageLocation',
		includeFingerprint: true,
	});
	const contacts: MappedItem[] = [];
	const rejected: RejectedItem[] = [];
	for (const user of users) {
		const result = mapUser(user);
		if (result === null) continue;
		if (isRejected(result)) rejected.push(result);
		else contacts.push(result);
	}
	return { parsed, contacts, rejected };
}

describe("the product page's example configuration, verbatim, on a directory fixture", () => {
	const byId = (id: string) => users.find((user) => user.id === id)!;
	const upsert = (
		id: string,
		contact: Record<string, unknown>,
		extra: Record<string, unknown> = {},
	) => ({
		sourceId: id,
		action: 'upsert',
		contact,
		fingerprint: expect.stringMatching(HEX64),
		...extra,
	});
	// Removals carry the number when the directory still has it (so an incremental sync can look the contact up).
	const remove = (id: string, reason: string, phone?: string) => ({
		sourceId: id,
		action: 'remove',
		reason,
		...(phone ? { contact: { phone } } : {}),
	});

	it("parses the example's sync object into the mapper configuration", () => {
		expect(run('AU').parsed).toEqual({
			direction: 'one-way',
			source: 'entra-id',
			target: 'messagemedia',
			schedule: '0 6 * * *',
			mapping: [
				{ source: 'displayName', field: 'fullName', key: 'sync.mapping.displayName' },
				{ source: 'mobilePhone', field: 'phone', key: 'sync.mapping.mobilePhone' },
				{ source: 'mail', field: 'email', key: 'sync.mapping.mail' },
				{ source: 'department', field: 'lists', key: 'sync.mapping.department' },
			],
			filters: [
				{
					attribute: 'department',
					operator: 'in',
					value: ['Sales', 'Support'],
					key: 'sync.filters.department',
				},
				{ attribute: 'accountEnabled', operator: 'isTrue', key: 'sync.filters.accountEnabled' },
			],
			combineFilters: 'and',
			fixedLists: [],
		});
	});

	it('produces exactly the expected Contacts and Rejected items (defaultCountry AU)', () => {
		const { contacts, rejected } = run('AU');
		expect(contacts).toEqual([
			upsert('u01', {
				phone: '+61412345678',
				firstName: 'Alice',
				lastName: 'Nguyen',
				email: 'alice@contoso.example',
				lists: ['Sales'],
			}),
			upsert('u02', {
				phone: '+447911123456',
				firstName: 'Bob',
				lastName: 'Smith',
				email: 'bob@contoso.example',
				lists: ['Support'],
			}),
			remove('u03', 'disabled', '+61412000111'),
			remove('u04', 'outOfScope', '+61412000222'),
			upsert('u06', {
				phone: '+61491570156',
				firstName: 'Frank',
				lastName: 'Zero',
				email: '',
				lists: ['Support'],
			}),
			upsert('u10', {
				phone: '+61412555019',
				firstName: 'Judy',
				lastName: '',
				email: '',
				lists: ['Sales'],
			}),
			remove('u11', 'deleted'),
			remove('u12', 'deleted'),
			upsert('u13', {
				phone: '+61412555020',
				firstName: 'Ken',
				lastName: 'Lower',
				email: '',
				lists: ['sales'],
			}),
			remove('u14', 'outOfScope', '+61412555021'),
			upsert('u16', {
				phone: '+447911123457',
				firstName: 'Niaj',
				lastName: 'London',
				email: '',
				lists: ['Support'],
			}),
			upsert('u17', {
				phone: '+16502530000',
				firstName: 'Olivia',
				lastName: 'Valley',
				email: '',
				lists: ['Sales'],
			}),
			upsert('u18', {
				phone: '+61412555022',
				firstName: 'Nguyễn',
				lastName: 'Thị Minh Khai',
				email: '',
				lists: ['Support'],
			}),
			upsert('u19', {
				phone: '+61412555023',
				firstName: 'محمد',
				lastName: 'علي 🌟',
				email: '',
				lists: ['Sales'],
			}),
			upsert('u22', {
				phone: '+64211234567',
				firstName: 'Trent',
				lastName: 'Kiwi',
				email: '',
				lists: ['Support'],
			}),
			upsert(
				'u24',
				{
					phone: '+61412555026',
					firstName: 'Victor',
					lastName: 'Alexander-Montgomery-Fitzgerald-Worthington-Smythe-Pemberton-Ham',
					email: '',
					lists: ['Sales'],
				},
				{ truncated: ['lastName'] },
			),
		]);
		expect(rejected).toEqual([
			{
				sourceId: 'u05',
				code: 'missingPhone',
				reason: 'No phone number in mobilePhone, businessPhones[0]; an SMS contact needs one',
				field: 'phone',
				source: byId('u05'),
			},
			{
				sourceId: 'u07',
				code: 'phoneNotMobile',
				reason:
					'businessPhones[0]: "(02) 9374 4000" is a fixed-line number, which cannot receive SMS (allowFixedLine keeps fixed lines)',
				field: 'phone',
				source: byId('u07'),
			},
			{
				sourceId: 'u08',
				code: 'phoneHasExtension',
				reason:
					'mobilePhone: "0412 345 678 x123" has an extension (123); an SMS number cannot have one',
				field: 'phone',
				source: byId('u08'),
			},
			{
				sourceId: 'u09',
				code: 'invalidPhone',
				reason: 'mobilePhone: "1300-FLOWERS" contains letters, not only digits',
				field: 'phone',
				source: byId('u09'),
			},
			{
				sourceId: 'u15',
				code: 'invalidPhone',
				reason: 'mobilePhone: "123" has 3 digits; a phone number has 5 to 15',
				field: 'phone',
				source: byId('u15'),
			},
			{
				sourceId: 'u20',
				code: 'invalidValue',
				reason: 'mail is an object, not text, so it cannot fill email',
				field: 'email',
				source: byId('u20'),
			},
			{
				code: 'missingId',
				reason: 'The user has no "id" (Entra object id) to link a contact to',
				field: 'id',
				source: users[20],
			},
		]);
		expect(LONG_SURNAME.slice(0, 64)).toBe(
			'Alexander-Montgomery-Fitzgerald-Worthington-Smythe-Pemberton-Ham',
		);
	});

	it('rejects national-format numbers as ambiguous when no country is known', () => {
		const { contacts, rejected } = run('');
		// u01/u02/u16/u22 carry usageLocation (u07 too, but its only number is a fixed line); u06, u17, u18, u19 are international.
		expect(
			contacts.filter((item) => item.action === 'upsert').map((item) => item.sourceId),
		).toEqual(['u01', 'u02', 'u06', 'u16', 'u17', 'u18', 'u19', 'u22']);
		expect(
			rejected.filter((item) => item.code === 'ambiguousPhone').map((item) => item.sourceId),
		).toEqual(['u10', 'u13', 'u20', 'u24']);
		expect(rejected.find((item) => item.sourceId === 'u10')).toEqual({
			sourceId: 'u10',
			code: 'ambiguousPhone',
			reason:
				'mobilePhone: "0412-555-019" has no country code and no country is known for it (set defaultCountry or the country attribute)',
			field: 'phone',
			source: byId('u10'),
		});
	});

	it('gives every upsert a fingerprint that differs between different contacts', () => {
		const { contacts } = run('AU');
		const fingerprints = contacts
			.filter((item) => item.action === 'upsert')
			.map((item) => item.fingerprint);
		expect(new Set(fingerprints).size).toBe(fingerprints.length);
	});
});
