/**
 * The fakes' TLS material, made fresh at every start: a throw-away CA and a server certificate it signs
 * for localhost / 127.0.0.1 / ::1. Clients trust the CA (NODE_EXTRA_CA_CERTS=<caFile>, or `ca` options
 * in-process); nothing is ever added to a system trust store.
 */
import { randomBytes } from 'node:crypto';
import { generate } from 'selfsigned';

export interface FakeTlsMaterial {
	caPem: string;
	certPem: string;
	keyPem: string;
}

let cached: Promise<FakeTlsMaterial> | undefined;

/** One CA + certificate per process (key generation is slow; every fake server of a process shares them). */
export function tlsMaterial(): Promise<FakeTlsMaterial> {
	cached ??= createTlsMaterial();
	return cached;
}

export async function createTlsMaterial(): Promise<FakeTlsMaterial> {
	// A unique CA name: trust stores pick the issuer by name, so two fake CAs must never share one.
	const caName = `Entra Sync fake services CA ${randomBytes(4).toString('hex')}`;
	const notBeforeDate = new Date(Date.now() - 60_000);
	const notAfterDate = new Date(Date.now() + 7 * 24 * 3600_000);
	const ca = await generate([{ name: 'commonName', value: caName }], {
		keySize: 2048,
		algorithm: 'sha256',
		notBeforeDate,
		notAfterDate,
		extensions: [
			{ name: 'basicConstraints', cA: true, critical: true },
			{
				name: 'keyUsage',
				keyCertSign: true,
				cRLSign: true,
				digitalSignature: true,
				critical: true,
			},
		],
	});
	const server = await generate([{ name: 'commonName', value: 'localhost' }], {
		keySize: 2048,
		algorithm: 'sha256',
		notBeforeDate,
		notAfterDate,
		ca: { key: ca.private, cert: ca.cert },
		extensions: [
			{ name: 'basicConstraints', cA: false },
			{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
			{ name: 'extKeyUsage', serverAuth: true },
			{
				name: 'subjectAltName',
				altNames: [
					{ type: 2, value: 'localhost' },
					{ type: 7, ip: '127.0.0.1' },
					{ type: 7, ip: '::1' },
				],
			},
		],
	});
	return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}
