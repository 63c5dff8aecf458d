/**
 * Hostile directory records for the bad-input suite, each with what must become of it after the
 * template's Contact Mapper and a full sync:
 * - `created`: a contact is written, and `check` says what it must (and must not) hold;
 * - `rejected`: the Mapper's Rejected output, with this code (its reason is checked non-empty);
 * - `outOfScope`/`disabled`/`deleted`: a removal item (no contact exists, so the sync reports `skipped`);
 * - `conflict` / `syncRejected`: mapped, then refused by the sync with a reason;
 * - `ignored`: n8n's empty placeholder item, never a record.
 */

export type Expectation =
	| {
			outcome: 'created';
			phone: string;
			firstName?: string;
			lastName?: string;
			maxNameLength?: number;
			truncated?: string[];
			lists?: string[];
	  }
	| { outcome: 'rejected'; code: string }
	| { outcome: 'outOfScope' | 'disabled' | 'deleted' }
	| { outcome: 'conflict' | 'syncRejected' }
	| { outcome: 'ignored' };

export interface HostileRecord {
	name: string;
	user: unknown;
	expect: Expectation;
}

/** Hex id for record n (Entra object ids are GUIDs). */
export function idOf(n: number): string {
	return `bad00000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** A Sales user with a valid AU mobile, overridden per record. */
function user(n: number, overrides: Record<string, unknown>): Record<string, unknown> {
	return {
		id: idOf(n),
		displayName: `User ${n}`,
		mail: `user${n}@contoso.example`,
		mobilePhone: `0412 100 ${String(n).padStart(3, '0')}`,
		businessPhones: [],
		department: 'Sales',
		accountEnabled: true,
		usageLocation: 'AU',
		...overrides,
	};
}

const e164 = (n: number) => `+61412100${String(n).padStart(3, '0')}`;

export const OData_INJECTION = "Sales' or accountEnabled eq false or department eq '";
const TEN_KB = 10 * 1024;

export const HOSTILE_RECORDS: HostileRecord[] = [
	{
		name: 'a valid record (baseline)',
		user: user(1, { displayName: 'Ada Lovelace' }),
		expect: { outcome: 'created', phone: e164(1), firstName: 'Ada', lastName: 'Lovelace' },
	},
	// Invalid phones
	{
		name: 'letters in the phone',
		user: user(2, { mobilePhone: '0412 ABC 002' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'phone with an extension',
		user: user(3, { mobilePhone: '0412 100 003 ext. 12' }),
		expect: { outcome: 'rejected', code: 'phoneHasExtension' },
	},
	{
		name: 'phone with 2 digits',
		user: user(4, { mobilePhone: '12' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'phone with 19 digits',
		user: user(5, { mobilePhone: '+61 4121000051234567' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'country code only',
		user: user(6, { mobilePhone: '+61' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'number not in any plan (+999)',
		user: user(7, { mobilePhone: '+999 412 100 007' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'Arabic-Indic digits',
		user: user(8, { mobilePhone: '٠٤١٢١٠٠٠٠٨' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'full-width digits',
		user: user(9, { mobilePhone: '０４１２ １００ ００９' }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'SQL/script text as the phone',
		user: user(10, { mobilePhone: "'; DROP TABLE contacts; --" }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'phone with control characters',
		user: user(11, { mobilePhone: '0412\u0000100\u0007011' }),
		expect: { outcome: 'created', phone: e164(11) },
	},
	// Missing phones
	{
		name: 'no phone attribute at all',
		user: user(12, { mobilePhone: undefined }),
		expect: { outcome: 'rejected', code: 'missingPhone' },
	},
	{
		name: 'empty phone',
		user: user(13, { mobilePhone: '' }),
		expect: { outcome: 'rejected', code: 'missingPhone' },
	},
	{
		name: 'whitespace-only phone',
		user: user(14, { mobilePhone: ' \t\n ' }),
		expect: { outcome: 'rejected', code: 'missingPhone' },
	},
	{
		name: 'null phone, only a desk phone (a fixed line: SMS cannot reach it)',
		user: user(15, { mobilePhone: null, businessPhones: ['+61 2 9374 4015'] }),
		expect: { outcome: 'rejected', code: 'phoneNotMobile' },
	},
	{
		name: 'null phone, a mobile in businessPhones used',
		user: user(61, { mobilePhone: null, businessPhones: ['+61 412 100 061'] }),
		expect: { outcome: 'created', phone: e164(61) },
	},
	// Wrong types
	{
		name: 'phone as a number',
		user: user(16, { mobilePhone: 412100016 }),
		expect: { outcome: 'created', phone: e164(16) },
	},
	{
		name: 'phone as an object',
		user: user(17, { mobilePhone: { number: '0412 100 017' } }),
		expect: { outcome: 'rejected', code: 'invalidValue' },
	},
	{
		name: 'phone as an array',
		user: user(18, { mobilePhone: ['0412 100 018'] }),
		expect: { outcome: 'created', phone: e164(18) },
	},
	{
		name: 'phone as a boolean',
		user: user(19, { mobilePhone: true }),
		expect: { outcome: 'rejected', code: 'invalidPhone' },
	},
	{
		name: 'display name as a number',
		user: user(20, { displayName: 42 }),
		expect: { outcome: 'created', phone: e164(20), firstName: '42', lastName: '' },
	},
	{
		name: 'display name as an object',
		user: user(21, { displayName: { first: 'Ada' } }),
		expect: { outcome: 'rejected', code: 'invalidValue' },
	},
	{
		name: 'mail as an array',
		user: user(22, { mail: ['first@contoso.example', 'second@contoso.example'] }),
		expect: { outcome: 'created', phone: e164(22) },
	},
	{
		name: 'department as an object',
		user: user(23, { department: { name: 'Sales' } }),
		expect: { outcome: 'outOfScope' },
	},
	{
		name: 'accountEnabled as the text "false"',
		user: user(24, { accountEnabled: 'false' }),
		expect: { outcome: 'outOfScope' },
	},
	{
		name: 'accountEnabled null',
		user: user(25, { accountEnabled: null }),
		expect: { outcome: 'outOfScope' },
	},
	{
		name: 'accountEnabled false',
		user: user(26, { accountEnabled: false }),
		expect: { outcome: 'disabled' },
	},
	// Ids
	{
		name: 'no id',
		user: user(27, { id: undefined }),
		expect: { outcome: 'rejected', code: 'missingId' },
	},
	{
		name: 'empty id',
		user: user(28, { id: '   ' }),
		expect: { outcome: 'rejected', code: 'missingId' },
	},
	{
		name: 'id as a number',
		user: user(29, { id: 29 }),
		expect: { outcome: 'rejected', code: 'missingId' },
	},
	{
		name: 'a 10 kB id (longer than the link field holds)',
		user: user(30, { id: 'x'.repeat(TEN_KB) }),
		expect: { outcome: 'syncRejected' },
	},
	// Names
	{
		name: 'empty display name',
		user: user(31, { displayName: '' }),
		expect: { outcome: 'created', phone: e164(31), firstName: '', lastName: '' },
	},
	{
		name: 'a 10 kB display name without spaces',
		user: user(32, { displayName: 'A'.repeat(TEN_KB) }),
		expect: { outcome: 'created', phone: e164(32), maxNameLength: 64, truncated: ['firstName'] },
	},
	{
		name: 'a 10 kB display name with spaces',
		user: user(33, { displayName: 'Ab '.repeat(TEN_KB / 3) }),
		expect: { outcome: 'created', phone: e164(33), maxNameLength: 64, truncated: ['lastName'] },
	},
	{
		name: 'a 10 kB emoji name (no broken surrogate pairs)',
		user: user(34, { displayName: '😀'.repeat(TEN_KB / 2) }),
		expect: { outcome: 'created', phone: e164(34), maxNameLength: 64, truncated: ['firstName'] },
	},
	{
		name: 'control characters in the name',
		user: user(35, { displayName: 'Ada\u0000\u0007 Love\u001Blace\u007F\u009B' }),
		expect: { outcome: 'created', phone: e164(35), firstName: 'Ada', lastName: 'Lovelace' },
	},
	{
		name: 'newlines and tabs in the name',
		user: user(36, { displayName: 'Grace\r\n\tHopper' }),
		expect: { outcome: 'created', phone: e164(36), firstName: 'Grace', lastName: 'Hopper' },
	},
	{
		name: 'zero-width and BOM characters in the name',
		user: user(37, { displayName: '\uFEFFAl\u200Ban \u2060Turing' }),
		expect: { outcome: 'created', phone: e164(37), firstName: 'Alan', lastName: 'Turing' },
	},
	{
		name: 'a lone surrogate in the name',
		user: user(38, { displayName: 'Edsger\uD800 Dijkstra' }),
		expect: { outcome: 'created', phone: e164(38), firstName: 'Edsger', lastName: 'Dijkstra' },
	},
	{
		name: 'an Arabic (RTL) name',
		user: user(39, { displayName: 'محمد عبد الله' }),
		expect: { outcome: 'created', phone: e164(39), firstName: 'محمد', lastName: 'عبد الله' },
	},
	{
		name: 'a Hebrew name with a right-to-left mark',
		user: user(40, { displayName: 'שרה\u200F כהן' }),
		expect: { outcome: 'created', phone: e164(40), firstName: 'שרה\u200F', lastName: 'כהן' },
	},
	{
		name: 'an emoji name with ZWJ sequences',
		user: user(41, { displayName: '👩‍💻 Dev 🚀' }),
		expect: { outcome: 'created', phone: e164(41), firstName: '👩‍💻', lastName: 'Dev 🚀' },
	},
	{
		name: 'a name that looks like markup',
		user: user(42, { displayName: '<script>alert(1)</script> {{$json}}' }),
		expect: {
			outcome: 'created',
			phone: e164(42),
			firstName: '<script>alert(1)</script>',
			lastName: '{{$json}}',
		},
	},
	// Emails
	{
		name: 'an email that is not an address',
		user: user(43, { mail: 'not-an-email' }),
		expect: { outcome: 'rejected', code: 'invalidValue' },
	},
	{
		name: 'an email with a header injection',
		user: user(44, { mail: 'a@contoso.example\r\nBcc: victim@evil.example' }),
		expect: { outcome: 'rejected', code: 'invalidValue' },
	},
	{
		name: 'a 300-character email',
		user: user(45, { mail: `${'a'.repeat(290)}@x.example` }),
		expect: { outcome: 'rejected', code: 'invalidValue' },
	},
	// Scope values
	{
		name: 'an OData-injection string as the department',
		user: user(46, { department: OData_INJECTION }),
		expect: { outcome: 'outOfScope' },
	},
	{
		name: 'a 10 kB department',
		user: user(47, { department: 'S'.repeat(TEN_KB) }),
		expect: { outcome: 'outOfScope' },
	},
	{
		name: 'a department with a NUL inside',
		user: user(48, { department: 'Sal\u0000es' }),
		expect: { outcome: 'outOfScope' },
	},
	{
		name: 'department with odd case and spaces',
		user: user(49, { department: '  sALES ' }),
		expect: { outcome: 'created', phone: e164(49), lists: ['Sales'] },
	},
	{
		name: 'department as a list of two',
		user: user(50, { department: ['Sales', 'Support'] }),
		expect: { outcome: 'created', phone: e164(50), lists: ['Sales', 'Support'] },
	},
	// Duplicates and ambiguity
	{
		name: 'a shared number, first holder',
		user: user(51, { mobilePhone: '0412 100 051' }),
		expect: { outcome: 'created', phone: e164(51) },
	},
	{
		name: 'the same number in another format',
		user: user(52, { mobilePhone: '+61 (0) 412 100 051' }),
		expect: { outcome: 'conflict' },
	},
	{
		name: 'the same user twice in the input',
		user: user(1, { displayName: 'Ada Lovelace (again)' }),
		expect: { outcome: 'syncRejected' },
	},
	// Delta records and shapes that are not users
	{
		name: 'a delta removal with an unknown reason',
		user: { id: idOf(54), '@removed': { reason: '<img src=x>' } },
		expect: { outcome: 'deleted' },
	},
	{
		name: 'a delta removal with @removed null',
		user: { id: idOf(55), '@removed': null },
		expect: { outcome: 'deleted' },
	},
	{
		name: 'null instead of a user',
		user: null,
		expect: { outcome: 'rejected', code: 'invalidInput' },
	},
	{
		name: 'a string instead of a user',
		user: 'Robert"); DROP TABLE users;--',
		expect: { outcome: 'rejected', code: 'invalidInput' },
	},
	{
		name: 'an array instead of a user',
		user: [user(58, {})],
		expect: { outcome: 'rejected', code: 'invalidInput' },
	},
	{ name: "n8n's empty placeholder item", user: {}, expect: { outcome: 'ignored' } },
	{
		name: 'a __proto__ key (prototype pollution attempt)',
		user: JSON.parse(
			`{"id":"${idOf(60)}","displayName":"Proto Type","mobilePhone":"0412 100 060","department":"Sales","accountEnabled":true,"__proto__":{"polluted":"yes"}}`,
		),
		expect: { outcome: 'created', phone: e164(60), firstName: 'Proto', lastName: 'Type' },
	},
];
