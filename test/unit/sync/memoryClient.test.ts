/** The in-memory MessageMedia model itself: both PATCH readings, the vendor rules, opt-outs, faults and the crash switch. */

import { MemoryMessageMedia, OPT_OUT_CHUNK, SimulatedCrash } from './memoryClient';
import { Person } from './memoryHand';

function account(patchArrays: 'replace' | 'merge') {
	const mm = new MemoryMessageMedia({ patchArrays });
	const nick = mm.seedField({
		label: 'Nickname',
		mergeTag: 'nickname',
		maxLength: 20,
		type: 'TEXT',
	});
	const email = mm.seedField({ label: 'Email', mergeTag: 'email', maxLength: 254, type: 'EMAIL' });
	const c = mm.seedContact({
		channels: [
			{ channelId: '+61412001001', type: 'SMS', subscriptionState: 'UNSUBSCRIBED' },
			{ channelId: '+61412001002', type: 'WHATSAPP' },
		],
		customFields: [{ id: nick.id, value: 'Bo' }],
	});
	new Person(mm).addChannel(c.id, { channelId: 'bo@example.com', type: 'EMAIL' });
	return { mm, c, nick, email };
}

describe('PATCH arrays', () => {
	it('replace: the channels and custom fields sent are the stored set (a channel sent without a state is SUBSCRIBED)', async () => {
		const { mm, c, email } = account('replace');
		await mm.updateContact(c.id, {
			channels: [{ channelId: '+61412001005', type: 'SMS' }],
			customFields: [{ id: email.id, value: 'a@b.c' }],
		});
		const stored = mm.stored(c.id);
		expect(stored.channels).toEqual([
			{ channelId: '+61412001005', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
		]);
		expect([...stored.customFields]).toEqual([[email.id, 'a@b.c']]);
	});

	it('merge: sent channels are upserted by (type, channelId) and never removed; sent field values are upserted, others kept', async () => {
		const { mm, c, email, nick } = account('merge');
		await mm.updateContact(c.id, {
			channels: [
				{ channelId: '+61412001005', type: 'SMS' },
				{ channelId: '+61412001001', type: 'SMS', subscriptionState: 'SUBSCRIBED' },
			],
			customFields: [{ id: email.id, value: 'a@b.c' }],
		});
		const stored = mm.stored(c.id);
		expect(
			stored.channels.map((ch) => `${ch.type}:${ch.channelId}:${ch.subscriptionState ?? '-'}`),
		).toEqual([
			'SMS:+61412001001:SUBSCRIBED',
			'WHATSAPP:+61412001002:SUBSCRIBED',
			'EMAIL:bo@example.com:-',
			'SMS:+61412001005:SUBSCRIBED',
		]);
		expect(Object.fromEntries(stored.customFields)).toEqual({
			[nick.id]: 'Bo',
			[email.id]: 'a@b.c',
		});
	});
});

describe('vendor rules', () => {
	it.each(['replace', 'merge'] as const)(
		'%s: a number belongs to one contact (409), only SMS and WHATSAPP are written, a bad write changes nothing',
		async (reading) => {
			const { mm, c } = account(reading);
			await expect(
				mm.createContact({ channels: [{ channelId: '+61412001001', type: 'SMS' }] }),
			).rejects.toMatchObject({ status: 409 });
			const other = await mm.createContact({
				channels: [{ channelId: '+61412001009', type: 'SMS' }],
			});
			await expect(
				mm.updateContact(other.id, { channels: [{ channelId: '+61412001001', type: 'SMS' }] }),
			).rejects.toMatchObject({ status: 409 });
			await expect(
				mm.updateContact(c.id, { channels: [{ channelId: 'x@y.z', type: 'EMAIL' as never }] }),
			).rejects.toMatchObject({ status: 400 });
			await expect(
				mm.updateContact(c.id, {
					firstName: 'Changed',
					channels: [
						{ channelId: '+61412001007', type: 'SMS' },
						{ channelId: '+61412001007', type: 'SMS' },
					],
				}),
			).rejects.toMatchObject({ status: 400 });
			expect(mm.stored(c.id).attributes.firstName).toBeUndefined();
			expect(new Person(mm).addChannel(other.id, { channelId: '+61412001001', type: 'SMS' })).toBe(
				false,
			);
		},
	);

	it('the HTTPS fake\'s rules: values fit their field\'s type, "" clears one; list names and merge tags are unique whatever their case', async () => {
		const { mm, c, email, nick } = account('merge');
		await expect(
			mm.updateContact(c.id, { customFields: [{ id: email.id, value: 'not an address' }] }),
		).rejects.toMatchObject({ status: 400 });
		await mm.updateContact(c.id, { customFields: [{ id: nick.id, value: '' }] });
		expect(mm.stored(c.id).customFields.has(nick.id)).toBe(false);
		await mm.createList({ name: 'Sales' });
		await expect(mm.createList({ name: 'SALES' })).rejects.toMatchObject({ status: 409 });
		await expect(
			mm.createCustomField({ label: 'Nick', mergeTag: 'NickName', maxLength: 20, type: 'TEXT' }),
		).rejects.toMatchObject({ status: 409 });
		await expect(
			mm.createCustomField({ label: 'Bad', mergeTag: 'bad tag', maxLength: 20, type: 'TEXT' }),
		).rejects.toMatchObject({ status: 400 });
	});
});

describe('opt-out list', () => {
	it('is looked up in chunks on the number authorisation endpoint', async () => {
		const mm = new MemoryMessageMedia();
		new Person(mm).replyStop('+61412001003');
		const numbers = Array.from(
			{ length: OPT_OUT_CHUNK + 1 },
			(_, i) => `+614120${(10000 + i).toString()}`,
		);
		expect(await mm.findOptedOutNumbers([...numbers, '+61412001003'])).toEqual(['+61412001003']);
		expect(mm.log.map((r) => r.path.split('/').slice(0, 4).join('/'))).toEqual([
			'/v1/number_authorisation/is_authorised',
			'/v1/number_authorisation/is_authorised',
		]);
	});
});

describe('faults and crashes', () => {
	it('a fault after commit loses the answer, not the write; an injected fault hits the request it names', async () => {
		const mm = new MemoryMessageMedia();
		mm.injectFaults((request, index) =>
			index === 0
				? { status: 503, afterCommit: true }
				: request.method === 'DELETE'
					? { status: 429 }
					: undefined,
		);
		await expect(
			mm.createContact({ channels: [{ channelId: '+61412001001', type: 'SMS' }] }),
		).rejects.toMatchObject({ status: 503 });
		expect(mm.contacts.size).toBe(1);
		await expect(mm.deleteContact([...mm.contacts.keys()][0])).rejects.toMatchObject({
			status: 429,
		});
		expect(mm.contacts.size).toBe(1);
	});

	it('after the crash switch every request throws SimulatedCrash and is not sent; a clone is independent', async () => {
		const mm = new MemoryMessageMedia();
		mm.crashAfter(1);
		await mm.createContact({ channels: [{ channelId: '+61412001001', type: 'SMS' }] });
		const copy = mm.clone();
		await expect(
			mm.createContact({ channels: [{ channelId: '+61412001002', type: 'SMS' }] }),
		).rejects.toBeInstanceOf(SimulatedCrash);
		await expect(mm.listContacts()).rejects.toBeInstanceOf(SimulatedCrash);
		expect([mm.crashed, mm.log.length, mm.contacts.size]).toEqual([true, 1, 1]);
		await copy.createContact({ channels: [{ channelId: '+61412001002', type: 'SMS' }] });
		expect([copy.contacts.size, mm.contacts.size]).toEqual([2, 1]);
	});
});
