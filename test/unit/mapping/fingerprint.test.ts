import { createHash } from 'node:crypto';

import { compileMapper, fingerprint, parseSeedConfiguration } from '../../../lib/mapping';
import type { MappedItem } from '../../../lib/mapping';
import type { ContactFields } from '../../../lib/types';

const contact: ContactFields = {
	firstName: 'Alice',
	lastName: 'Nguyen',
	phone: '+61412345678',
	email: 'alice@contoso.example',
	lists: ['Sales', 'All Staff'],
	customFields: { employee_id: '1042', cost_centre: 'CC-7' },
	note: 'Night shift',
};

describe('fingerprint', () => {
	it('is a sha256 hex of the canonical contact', () => {
		expect(fingerprint(contact)).toMatch(/^[0-9a-f]{64}$/);
		expect(fingerprint({ phone: '+61412345678' })).toBe(
			createHash('sha256').update('{"phone":"+61412345678"}').digest('hex'),
		);
	});

	it('is stable across key order, list order and undefined fields', () => {
		const reordered: ContactFields = {
			note: 'Night shift',
			customFields: { cost_centre: 'CC-7', employee_id: '1042' },
			lists: ['All Staff', 'Sales'],
			email: 'alice@contoso.example',
			phone: '+61412345678',
			lastName: 'Nguyen',
			firstName: 'Alice',
			alias: undefined,
		};
		expect(fingerprint(reordered)).toBe(fingerprint(contact));
	});

	it.each<[string, ContactFields]>([
		['firstName', { ...contact, firstName: 'Alicia' }],
		['lastName', { ...contact, lastName: 'Nguyễn' }],
		['phone', { ...contact, phone: '+61412345679' }],
		['email', { ...contact, email: 'alice.n@contoso.example' }],
		['a list added', { ...contact, lists: ['Sales', 'All Staff', 'Alerts'] }],
		['a list removed', { ...contact, lists: ['Sales'] }],
		['no lists instead of an empty list', { ...contact, lists: [] }],
		[
			'a custom field value',
			{ ...contact, customFields: { employee_id: '1043', cost_centre: 'CC-7' } },
		],
		[
			'a custom field key',
			{ ...contact, customFields: { employee_no: '1042', cost_centre: 'CC-7' } },
		],
		['a field added', { ...contact, alias: 'ali' }],
		['a field removed', { ...contact, note: undefined }],
		['case', { ...contact, firstName: 'alice' }],
	])('changes when %s changes', (_what, changed) => {
		expect(fingerprint(changed)).not.toBe(fingerprint(contact));
	});

	it('does not depend on the key order of the directory user, only on mapped values', () => {
		const mapUser = compileMapper({
			...parseSeedConfiguration({
				mapping: {
					displayName: 'contact_name',
					mobilePhone: 'phone_number',
					mail: 'email',
					department: 'group',
				},
			}),
			defaultCountry: 'AU',
			includeFingerprint: true,
		});
		const user = {
			id: 'u1',
			displayName: 'Alice Nguyen',
			mobilePhone: '0412 345 678',
			mail: 'a@contoso.example',
			department: 'Sales',
		};
		const shuffled = {
			department: 'Sales',
			mail: 'a@contoso.example',
			jobTitle: 'Not mapped',
			mobilePhone: '+61 412 345 678',
			id: 'u1',
			displayName: ' Alice  Nguyen',
		};
		const first = mapUser(user) as MappedItem;
		const second = mapUser(shuffled) as MappedItem;
		expect(second.fingerprint).toBe(first.fingerprint);
		expect(first.fingerprint).toBe(fingerprint(first.contact!));
		const moved = mapUser({ ...user, department: 'Support' }) as MappedItem;
		expect(moved.fingerprint).not.toBe(first.fingerprint);
	});
});
