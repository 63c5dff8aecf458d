import { ConfigurationError } from '../../../lib/common/errors';
import {
	buildCreateContactRequest,
	buildUpdateContactRequest,
	resolveCustomFieldValues,
	updateNeedsExistingContact,
} from '../../../lib/messagemedia/contact-request';
import type { CustomField } from '../../../lib/messagemedia/types';
import { validateRequest } from '../../support/openapi';
import { contact, uuid } from './helpers';

const FIELDS: CustomField[] = [
	{
		id: uuid(),
		accountId: 'a',
		vendorId: 'v',
		label: 'Entra Object ID',
		mergeTag: 'entra_id',
		maxLength: 64,
		type: 'TEXT',
		createdDate: '',
		lastModifiedDate: '',
	},
	{
		id: uuid(),
		accountId: 'a',
		vendorId: 'v',
		label: 'Email',
		mergeTag: 'email',
		maxLength: 120,
		type: 'EMAIL',
		createdDate: '',
		lastModifiedDate: '',
	},
];

describe('contact request bodies', () => {
	it('create: SMS channel from the E.164 phone, no subscription state unless given, valid against the spec', async () => {
		const body = buildCreateContactRequest(
			{
				firstName: ' Ada ',
				lastName: '',
				phone: '+61491570156',
				customFields: { entra_id: 'u-1', email: 'ada@example.com' },
			},
			FIELDS,
		);
		expect(body).toEqual({
			firstName: 'Ada',
			channels: [{ channelId: '+61491570156', type: 'SMS' }],
			customFields: [
				{ id: FIELDS[0].id, value: 'u-1' },
				{ id: FIELDS[1].id, value: 'ada@example.com' },
			],
		});
		expect((await validateRequest('POST', '/api/v1/contacts/contacts', body)).errors).toEqual([]);
	});

	it('create: needs a valid phone and a real date', () => {
		expect(() => buildCreateContactRequest({ firstName: 'Ada' }, [])).toThrow(ConfigurationError);
		expect(() =>
			buildCreateContactRequest({ phone: '+61491570156', dateOfBirth: '10/12/1815' }, []),
		).toThrow('YYYY-MM-DD');
	});

	it('custom fields resolve by merge tag or label; an unknown one names itself', () => {
		expect(resolveCustomFieldValues({ 'entra object id': 'x' }, FIELDS)).toEqual([
			{ id: FIELDS[0].id, value: 'x' },
		]);
		expect(() => resolveCustomFieldValues({ nope: 'x' }, FIELDS)).toThrow(
			'No MessageMedia custom field has the merge tag or label "nope"',
		);
	});

	it('update: plain fields need no stored contact; unchanged channel is not sent', async () => {
		expect(updateNeedsExistingContact({ note: 'n' })).toBe(false);
		expect(buildUpdateContactRequest({ note: 'n' }, [])).toEqual({ note: 'n' });
		const stored = contact({
			channels: [{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' }],
		});
		expect(updateNeedsExistingContact({ phone: '+61491570156' })).toBe(true);
		expect(buildUpdateContactRequest({ phone: '+61491570156' }, [], stored)).toEqual({});
	});

	it('update: a new number keeps the stored consent; WhatsApp channels are kept, read-only channel types are not sent', async () => {
		const stored = contact({
			channels: [
				{ channelId: '+61491570156', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
				{ channelId: '+61491570156', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
				{ channelId: 'ada@example.com', type: 'EMAIL' },
			],
		});
		const body = buildUpdateContactRequest({ phone: '+61491570999' }, [], stored);
		expect(body.channels).toEqual([
			{ channelId: '+61491570999', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
			{ channelId: '+61491570156', type: 'WHATSAPP', subscriptionState: 'SUBSCRIBED' },
		]);
		expect(
			(await validateRequest('PATCH', `/api/v1/contacts/contacts/${stored.id}`, body)).errors,
		).toEqual([]);
	});

	it('update: a contact without SMS channel gets one; a state without any number is refused', () => {
		const stored = contact({ channels: [] });
		expect(buildUpdateContactRequest({ phone: '+61491570156' }, [], stored).channels).toEqual([
			{ channelId: '+61491570156', type: 'SMS' },
		]);
		expect(() =>
			buildUpdateContactRequest({ subscriptionState: 'SUBSCRIBED' }, [], stored),
		).toThrow('has no SMS channel');
	});
});
