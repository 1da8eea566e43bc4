/**
 * The vendor policies sign requests themselves (no per-request expression); what they send must be
 * what the credential's own `authenticate` sends, which n8n still uses for the credential test.
 */
import type { IAuthenticateGeneric, ICredentialDataDecryptedObject } from 'n8n-workflow';

import { AirtableRegistryApi } from '../../credentials/AirtableRegistryApi.credentials';
import { HighLevelAttendanceApi } from '../../credentials/HighLevelAttendanceApi.credentials';
import { HubSpotBatchApi } from '../../credentials/HubSpotBatchApi.credentials';
import { LumaApi } from '../../credentials/LumaApi.credentials';
import { airtablePolicy } from '../../nodes/AirtableRegistry/v1/transport/policy';
import { highLevelPolicy } from '../../nodes/HighLevelAttendance/v1/transport/policy';
import { hubspotPolicy } from '../../nodes/HubSpotBatch/v1/transport/policy';
import { lumaPolicy } from '../../nodes/Luma/v1/transport/policy';
import type { VendorPolicy } from '../../nodes/shared/transport/policy';

/** The generic `authenticate` headers with `{{$credentials.x}}` filled in, as n8n resolves them. */
function credentialHeaders(
	authenticate: IAuthenticateGeneric,
	credentials: ICredentialDataDecryptedObject,
): Record<string, string> {
	const headers = (authenticate.properties.headers ?? {}) as Record<string, string>;
	return Object.fromEntries(
		Object.entries(headers).map(([name, value]) => [
			name,
			value
				.replace(/^=/, '')
				.replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, key: string) =>
					String(credentials[key]),
				),
		]),
	);
}

describe.each([
	['HubSpot', hubspotPolicy, new HubSpotBatchApi(), { accessToken: 'pat-na1-0000-1111' }],
	['Airtable', airtablePolicy, new AirtableRegistryApi(), { accessToken: 'patAbc.def123' }],
	['Luma', lumaPolicy, new LumaApi(), { apiKey: 'secret-luma-key-1' }],
	['HighLevel', highLevelPolicy, new HighLevelAttendanceApi(), { accessToken: 'pit-0000-1111' }],
] as Array<
	[string, VendorPolicy, { authenticate: IAuthenticateGeneric }, ICredentialDataDecryptedObject]
>)('%s policy authHeaders', (_vendor, policy, credential, credentials) => {
	it("equal the credential's authenticate headers", () => {
		expect(policy.authHeaders?.(credentials)).toEqual(
			credentialHeaders(credential.authenticate, credentials),
		);
	});

	it('leave out whitespace pasted around the key', () => {
		const padded = Object.fromEntries(
			Object.entries(credentials).map(([k, v]) => [k, ` ${String(v)}\n`]),
		);
		expect(policy.authHeaders?.(padded)).toEqual(
			credentialHeaders(credential.authenticate, credentials),
		);
	});
});
