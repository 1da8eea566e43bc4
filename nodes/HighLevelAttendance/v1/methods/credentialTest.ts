import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
} from 'n8n-workflow';

import { testPostgresConnection } from '../../../shared/database/connection';
import { checkedBaseUrl, pathId } from '../../../shared/transport/urlSafety';
import { configuredSecretProblem } from '../helpers/secret';
import { API_VERSION, DEFAULT_BASE_URL } from '../transport/policy';

/** The Test button of n8n's Postgres credential, when it is opened from this node. */
export async function highLevelAttendancePostgresTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	return await testPostgresConnection(credential.data ?? {});
}

function statusOf(error: unknown): number | undefined {
	const e = error as { statusCode?: unknown; httpCode?: unknown; response?: { status?: unknown } };
	const status = Number(e?.statusCode ?? e?.response?.status ?? e?.httpCode);
	return Number.isFinite(status) && status > 0 ? status : undefined;
}

/**
 * The HighLevel credential's Test: the base URL must be https:// (or localhost) before the token
 * goes anywhere; then GET /locations/{id} proves the token, its location and the Version header.
 */
export async function highLevelAttendanceApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data: IDataObject = credential.data ?? {};
	let url: string;
	try {
		const baseUrl = checkedBaseUrl(String(data.baseUrl || DEFAULT_BASE_URL));
		url = `${baseUrl}/locations/${pathId(data.locationId, 'Location ID')}`;
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	try {
		// eslint-disable-next-line @n8n/community-nodes/no-deprecated-workflow-functions -- the only helper a credential test gets
		await this.helpers.request({
			method: 'GET',
			uri: url,
			headers: {
				Authorization: `Bearer ${String(data.accessToken ?? '')}`,
				Version: API_VERSION,
				Accept: 'application/json',
			},
			json: true,
			timeout: 15000,
		});
	} catch (error) {
		const status = statusOf(error);
		if (status === 401)
			return { status: 'Error', message: 'HighLevel rejected the Private Integration Token (401)' };
		if (status === 403)
			return {
				status: 'Error',
				message:
					'The token has no access to this Location ID (403): check both, and the locations.readonly scope',
			};
		return {
			status: 'Error',
			message: `HighLevel did not answer the test${status === undefined ? '' : ` (HTTP ${status})`}: check the Base URL`,
		};
	}
	// The token works; an unusable Webhook Secret would refuse every attendance check.
	const secretProblem =
		data.webhookSecret === undefined || data.webhookSecret === ''
			? undefined
			: configuredSecretProblem(data.webhookSecret);
	if (secretProblem !== undefined) return { status: 'Error', message: secretProblem };
	return { status: 'OK', message: 'Connection successful' };
}
