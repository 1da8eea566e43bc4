import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { testPostgresConnection } from '../../../shared/database/connection';
import { checkedBaseUrl } from '../../../shared/transport/urlSafety';
import { baseUrlOf } from '../transport/policy';

/** The Test button of n8n's Postgres credential when used by this node: connect and SELECT 1. */
export async function webinarJamPostgresTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await testPostgresConnection(credential.data ?? {});
}

/**
 * The WebinarJam credential's Test: a Base URL that is not https:// (or localhost) is refused before
 * the key is sent; then POST /webinars, the cheapest call there is. WebinarJam may also answer
 * HTTP 200 with {"status":"error"}.
 */
export async function webinarJamApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data: IDataObject = credential.data ?? {};
	let baseUrl: string;
	try {
		baseUrl = checkedBaseUrl(baseUrlOf(data as ICredentialDataDecryptedObject));
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	let body: IDataObject | undefined;
	try {
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions -- the only helper a credential test gets
		body = (await this.helpers.request({
			method: 'POST',
			uri: `${baseUrl}/webinars`,
			form: { api_key: String(data.apiKey ?? '') },
			json: true,
			timeout: 15000,
		})) as IDataObject | undefined;
	} catch (error) {
		const e = error as { statusCode?: unknown; response?: { status?: unknown } };
		const status = Number(e?.statusCode ?? e?.response?.status);
		if (status === 401)
			return {
				status: 'Error',
				message: 'WebinarJam rejected the API key (401): check the key and the Product',
			};
		return {
			status: 'Error',
			message: `WebinarJam did not answer the test${Number.isFinite(status) ? ` (HTTP ${status})` : ''}: check the Base URL and the Product`,
		};
	}
	if (body?.status === 'error')
		return {
			status: 'Error',
			message: 'WebinarJam answered with an error: check the API key and the Product',
		};
	return { status: 'OK', message: 'Connection successful' };
}
