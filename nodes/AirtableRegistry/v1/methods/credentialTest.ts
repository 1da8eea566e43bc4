import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { checkedBaseUrl } from '../../../shared/transport/urlSafety';
import { DEFAULT_BASE_URL } from '../transport';

/**
 * The credential's test: the Base URL is checked before the token is sent (https only, except
 * localhost). A version 1 credential, which names a base and an Events table, reads one record of
 * it (data.records:read and access to the base, as before); a token-only credential lists the
 * bases (schema.bases:read, which picking a base needs).
 */
export async function airtableRegistryApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	let baseUrl: string;
	try {
		baseUrl = checkedBaseUrl(String(data.baseUrl || DEFAULT_BASE_URL));
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	const headers = { Authorization: `Bearer ${String(data.accessToken ?? '').trim()}` };
	const baseId = String(data.baseId ?? '').trim();
	const table = String(data.eventsTable ?? '').trim();
	if (baseId !== '' && !/^app[A-Za-z0-9]{14}$/.test(baseId))
		return { status: 'Error', message: 'Base ID is not an Airtable base ID (app…)' };
	const requests =
		baseId !== '' && table !== ''
			? [`${baseUrl}/v0/${baseId}/${encodeURIComponent(table)}?pageSize=1`]
			: [`${baseUrl}/v0/meta/bases`];
	// fetch: the test context offers only the deprecated `request` helper.
	for (const url of requests) {
		let status: number;
		try {
			const response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
			await response.arrayBuffer();
			status = response.status;
		} catch {
			return { status: 'Error', message: `Airtable could not be reached at ${baseUrl}` };
		}
		if (status >= 200 && status < 300) continue;
		return {
			status: 'Error',
			message:
				status === 401
					? 'Airtable rejected the access token (401)'
					: status === 403 || status === 404
						? `Airtable refused (${status}): the token lacks a scope (schema.bases:read, data.records:read) or access to the base`
						: `Airtable answered ${status} to the credential test`,
		};
	}
	return { status: 'OK', message: 'Connection successful' };
}
