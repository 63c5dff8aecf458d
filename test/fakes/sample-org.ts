/**
 * A realistic, deterministic sample organisation for the demo and the e2e suite: ~200 users in several
 * departments with messy phone numbers (AU national and international forms, 0061, brackets, UK/US/NZ
 * numbers, extensions, letters, missing and invalid ones), disabled users, on-premises-synced users,
 * display-name-only mailboxes, guests, Unicode names; department groups with nesting; and a
 * MessageMedia account with a few hand-made contacts, a manual list and an unrelated custom field.
 */
import { createRandom, pick, randomInt, randomUuid } from './prng';
import type { FakeSeed, SeedContact, SeedGroup, SeedUser } from './types';

export const SAMPLE_TENANT_ID = '7c1b5a3e-2f4d-4e6a-9b8c-1d2e3f4a5b6c';
export const SAMPLE_DOMAIN = 'contoso-demo.onmicrosoft.com';
export const SAMPLE_CLIENT_ID = '3f2e1d0c-9b8a-4765-8432-10fedcba9876';
export const SAMPLE_CLIENT_SECRET = 'fake-secret-for-the-demo-only~1234';
export const SAMPLE_CERT_CLIENT_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
export const SAMPLE_MM_API_KEY = 'DUMMYKEY000000000001';
export const SAMPLE_MM_API_SECRET = 'DUMMYSECRET0000000000000000001';

export const SAMPLE_DEPARTMENTS = [
	'Sales',
	'Support',
	'Engineering',
	'Finance',
	'Marketing',
	'Operations',
	'People & Culture',
] as const;

export interface SampleOrgOptions {
	seed?: number;
	userCount?: number;
	/** PEM certificate to register on the certificate app (SAMPLE_CERT_CLIENT_ID); without it that app has none. */
	certificatePem?: string;
}

const FIRST_NAMES = [
	'Olivia',
	'Jack',
	'Charlotte',
	'Noah',
	'Amelia',
	'William',
	'Isla',
	'Oliver',
	'Mia',
	'Thomas',
	'Grace',
	'James',
	'Chloe',
	'Lucas',
	'Ruby',
	'Liam',
	'Zoë',
	'José',
	'Søren',
	'Łukasz',
	'Siobhán',
	'Ngọc',
	'Aarav',
	'Mei',
	'Tāne',
	'François',
	'Ana-María',
	'Björn',
	'Priya',
	'Kenji',
];
const LAST_NAMES = [
	'Smith',
	'Jones',
	'Williams',
	'Brown',
	'Wilson',
	'Taylor',
	'Nguyen',
	"O'Brien",
	'Müller',
	'García',
	'Kowalski',
	'Ó Súilleabháin',
	'Chen',
	'Patel',
	'Ngata',
	'Dubois',
	'Andersson',
	'Tanaka',
	'Kaur',
	'Papadopoulos',
	'MacDonald',
	'Rossi',
	'Li',
	'Walker',
	'van der Berg',
];
const TITLES: Record<string, string[]> = {
	Sales: ['Account Executive', 'Sales Manager', 'Business Development Rep'],
	Support: ['Support Engineer', 'Customer Success Manager', 'Support Team Lead'],
	Engineering: ['Software Engineer', 'Senior Software Engineer', 'Engineering Manager', 'SRE'],
	Finance: ['Accountant', 'Financial Controller', 'Payroll Officer'],
	Marketing: ['Marketing Coordinator', 'Content Strategist', 'Head of Marketing'],
	Operations: ['Operations Analyst', 'Logistics Coordinator', 'Facilities Manager'],
	'People & Culture': ['HR Business Partner', 'Recruiter', 'People Operations Lead'],
};
const OFFICES = [
	{ office: 'Sydney', city: 'Sydney', state: 'NSW', country: 'Australia', usage: 'AU', weight: 6 },
	{
		office: 'Melbourne',
		city: 'Melbourne',
		state: 'VIC',
		country: 'Australia',
		usage: 'AU',
		weight: 4,
	},
	{
		office: 'Brisbane',
		city: 'Brisbane',
		state: 'QLD',
		country: 'Australia',
		usage: 'AU',
		weight: 2,
	},
	{ office: 'Perth', city: 'Perth', state: 'WA', country: 'Australia', usage: 'AU', weight: 1 },
	{
		office: 'London',
		city: 'London',
		state: null,
		country: 'United Kingdom',
		usage: 'GB',
		weight: 2,
	},
	{
		office: 'Auckland',
		city: 'Auckland',
		state: null,
		country: 'New Zealand',
		usage: 'NZ',
		weight: 1,
	},
];

/** Messy renderings of one AU mobile subscriber number "4xxxxxxxx" (9 digits after the 0). */
function auMobileFormats(n: string): string[] {
	const a = n.slice(0, 3);
	const b = n.slice(3, 6);
	const c = n.slice(6);
	return [
		`0${a} ${b} ${c}`,
		`+61 ${a} ${b} ${c}`,
		`+61${n}`,
		`0061 ${a} ${b} ${c}`,
		`(0${n.slice(0, 1)}) ${n.slice(1, 5)}-${n.slice(5)}`,
		`0${n}`,
		`+61 (0) ${a} ${b} ${c}`,
	];
}

export function generateSampleOrg(options: SampleOrgOptions = {}): FakeSeed {
	const random = createRandom(options.seed ?? 20261126);
	const userCount = options.userCount ?? 200;
	const users: SeedUser[] = [];
	const byDepartment = new Map<string, string[]>();
	const usedUpns = new Set<string>();
	let mobileCounter = 12_000_000;

	const weightedOffice = () => {
		const total = OFFICES.reduce((sum, o) => sum + o.weight, 0);
		let r = random() * total;
		for (const office of OFFICES) {
			r -= office.weight;
			if (r < 0) return office;
		}
		return OFFICES[0];
	};

	for (let i = 0; i < userCount; i++) {
		const id = randomUuid(random);
		const department = SAMPLE_DEPARTMENTS[i % SAMPLE_DEPARTMENTS.length];
		const givenName = pick(random, FIRST_NAMES);
		const surname = pick(random, LAST_NAMES);
		const office = weightedOffice();
		let alias = `${givenName}.${surname}`
			.normalize('NFD')
			.replace(/[\u0300-\u036f]/g, '')
			.replace(/ł/gi, 'l')
			.replace(/ø/gi, 'o')
			.replace(/[^A-Za-z.-]/g, '')
			.toLowerCase();
		while (usedUpns.has(alias)) alias = `${alias}${randomInt(random, 10)}`;
		usedUpns.add(alias);
		mobileCounter += 1 + randomInt(random, 50);
		const subscriber = `4${String(mobileCounter).padStart(8, '0')}`;
		const kind = random();
		let mobilePhone: string | null;
		if (office.usage === 'GB')
			mobilePhone =
				kind < 0.8
					? `+44 7700 ${String(900000 + i).slice(-6, -3)}${String(i).padStart(3, '0')}`
					: `07700 ${String(900100 + i)}`;
		else if (office.usage === 'NZ')
			mobilePhone =
				kind < 0.7
					? `+64 21 ${String(1000000 + i * 7).slice(0, 3)} ${String(1000 + i).slice(-4)}`
					: `021 ${String(200 + i)} ${String(3000 + i)}`;
		else if (kind < 0.08) mobilePhone = null;
		else if (kind < 0.11) mobilePhone = `0412 ABC ${String(100 + i).slice(-3)}`;
		else if (kind < 0.13) mobilePhone = String(10000 + i);
		else if (kind < 0.16) mobilePhone = `+1 (415) 555-${String(1000 + i).slice(-4)}`;
		else mobilePhone = pick(random, auMobileFormats(subscriber));
		const businessKind = random();
		const businessPhones =
			businessKind < 0.5
				? []
				: businessKind < 0.8
					? [`+61 2 9${String(1000000 + i * 13).slice(-7, -4)} ${String(1000 + i).slice(-4)}`]
					: businessKind < 0.9
						? [`(02) 9${String(100 + i).slice(-3)} ${String(4000 + i).slice(-4)} ext. ${100 + i}`]
						: [
								`+61 3 9${String(200 + i).slice(-3)} ${String(5000 + i).slice(-4)} x${20 + (i % 80)}`,
							];
		const user: SeedUser = {
			id,
			displayName: `${givenName} ${surname}`,
			givenName,
			surname,
			userPrincipalName: `${alias}@${SAMPLE_DOMAIN}`,
			mail: `${alias}@contoso-demo.example`,
			...(mobilePhone !== null ? { mobilePhone } : {}),
			businessPhones,
			jobTitle: pick(random, TITLES[department]),
			department,
			companyName: 'Contoso Pty Ltd',
			officeLocation: office.office,
			city: office.city,
			...(office.state ? { state: office.state } : {}),
			country: office.country,
			usageLocation: office.usage,
			employeeId: `E${String(10000 + i)}`,
			accountEnabled: true,
			userType: 'Member',
			createdDateTime: new Date(Date.UTC(2019, 0, 1) + i * 86_400_000 * 7)
				.toISOString()
				.replace('.000', ''),
		};
		users.push(user);
		byDepartment.set(department, [...(byDepartment.get(department) ?? []), id]);
	}

	// A few disabled accounts.
	for (const index of [7, 42, 88, 133, 177]) if (users[index]) users[index].accountEnabled = false;
	// Two users mastered in on-premises AD (write-back must skip AD-mastered attributes).
	for (const index of [3, 10]) {
		const user = users[index];
		if (!user) continue;
		Object.assign(user, {
			onPremisesSyncEnabled: true,
			onPremisesImmutableId: Buffer.from(String(user.id)).toString('base64').slice(0, 24),
			onPremisesSamAccountName: String(user.userPrincipalName).split('@')[0].slice(0, 20),
			onPremisesLastSyncDateTime: '2026-11-25T22:00:00Z',
			onPremisesDomainName: 'corp.contoso.local',
		});
	}
	// Two colleagues share one mobile number (a shared on-call phone) in different formats.
	if (users[20] && users[27]) {
		users[20].mobilePhone = '0491 570 156';
		users[27].mobilePhone = '+61 491 570 156';
	}
	// Display-name-only mailboxes and a guest.
	const extras: SeedUser[] = [
		{
			id: randomUuid(random),
			displayName: 'Reception Desk',
			userPrincipalName: `reception@${SAMPLE_DOMAIN}`,
			mail: 'reception@contoso-demo.example',
			mobilePhone: '02 9876 5400',
			businessPhones: [],
			accountEnabled: true,
			userType: 'Member',
			department: 'Operations',
		},
		{
			id: randomUuid(random),
			displayName: 'Meeting Room 3 (Level 2)',
			userPrincipalName: `room3@${SAMPLE_DOMAIN}`,
			businessPhones: [],
			accountEnabled: true,
			userType: 'Member',
		},
		{
			id: randomUuid(random),
			displayName: 'Ngaio Te Rangi (Contractor)',
			userPrincipalName: `ngaio.terangi_partner.example#EXT#@${SAMPLE_DOMAIN}`,
			mail: 'ngaio.terangi@partner.example',
			givenName: 'Ngaio',
			surname: 'Te Rangi',
			mobilePhone: '+64 21 555 0199',
			businessPhones: [],
			accountEnabled: true,
			userType: 'Guest',
			department: 'Support',
		},
	];
	users.push(...extras);
	byDepartment.set('Operations', [
		...(byDepartment.get('Operations') ?? []),
		extras[0].id as string,
	]);

	const groupId = () => randomUuid(random);
	const departmentGroups: SeedGroup[] = SAMPLE_DEPARTMENTS.map((department) => ({
		id: groupId(),
		displayName: `${department} Team`,
		description: `Everyone in ${department}`,
		mailNickname: `${department.replace(/[^A-Za-z]/g, '').toLowerCase()}-team`,
		members: [...(byDepartment.get(department) ?? [])],
	}));
	const support = departmentGroups[1];
	const afterHours: SeedGroup = {
		id: groupId(),
		displayName: 'Support - After Hours',
		description: 'On-call support roster (nested in Support Team)',
		members: [extras[2].id as string, ...(byDepartment.get('Engineering') ?? []).slice(0, 5)],
	};
	support.members = [...(support.members ?? []), afterHours.id as string];
	const smsAlerts: SeedGroup = {
		id: groupId(),
		displayName: 'SMS Alerts',
		description:
			'People who receive operational SMS alerts: Support Team and Operations Team (nested) plus a few individuals',
		members: [
			support.id as string,
			departmentGroups[5].id as string,
			users[0].id as string,
			users[2].id as string,
		],
	};
	const allStaff: SeedGroup = {
		id: groupId(),
		displayName: 'All Staff',
		description: 'Every department group (nested)',
		members: departmentGroups.map((g) => g.id as string),
	};

	const vipListId = randomUuid(random);
	const tierFieldId = randomUuid(random);
	const adoptable = users.find(
		(u) => typeof u.mobilePhone === 'string' && /^\+61\d{9}$/.test(u.mobilePhone),
	);
	const manualContacts: SeedContact[] = [
		{
			id: randomUuid(random),
			firstName: 'Pat',
			lastName: 'Customer',
			note: 'Added by hand, not from the directory',
			channels: [{ channelId: '+61491570157', type: 'SMS', subscriptionState: 'SUBSCRIBED' }],
			lists: [vipListId],
			customFields: { customer_tier: 'Gold' },
		},
		{
			id: randomUuid(random),
			firstName: 'Opted',
			lastName: 'Out',
			channels: [{ channelId: '+61491570158', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
			lists: [vipListId],
		},
	];
	if (adoptable) {
		manualContacts.push({
			id: randomUuid(random),
			firstName: String(adoptable.givenName ?? ''),
			lastName: String(adoptable.surname ?? ''),
			note: 'Same number as a directory user (adoption candidate)',
			channels: [
				{
					channelId: adoptable.mobilePhone as string,
					type: 'SMS',
					subscriptionState: 'SUBSCRIBED',
				},
			],
		});
	}

	return {
		tenants: [
			{
				id: SAMPLE_TENANT_ID,
				displayName: 'Contoso Pty Ltd',
				domains: [SAMPLE_DOMAIN, 'contoso-demo.example'],
				apps: [
					{
						clientId: SAMPLE_CLIENT_ID,
						displayName: 'Entra Sync (demo)',
						secret: SAMPLE_CLIENT_SECRET,
						consented: true,
						roles: ['User.ReadWrite.All', 'GroupMember.Read.All'],
					},
					{
						clientId: SAMPLE_CERT_CLIENT_ID,
						displayName: 'Entra Sync (certificate)',
						...(options.certificatePem ? { certificatePem: options.certificatePem } : {}),
						consented: true,
						roles: ['User.Read.All', 'GroupMember.Read.All'],
					},
				],
				users,
				groups: [...departmentGroups, afterHours, smsAlerts, allStaff],
			},
		],
		messagemedia: {
			accounts: [
				{
					apiKey: SAMPLE_MM_API_KEY,
					apiSecret: SAMPLE_MM_API_SECRET,
					accountId: 'ContosoDemo001',
					lists: [{ id: vipListId, name: 'VIP customers', alias: 'Managed by hand' }],
					customFields: [
						{
							id: tierFieldId,
							label: 'Customer tier',
							mergeTag: 'customer_tier',
							maxLength: 20,
							type: 'TEXT',
						},
					],
					contacts: manualContacts,
				},
			],
		},
	};
}
