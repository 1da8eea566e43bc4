/**
 * WebinarJam through the shared vendor client: every call is a form-encoded POST (the credential
 * adds `api_key` to the body), paced at WebinarJam's 20 calls per second per key, retried and
 * worded by the policy (policy.ts). A 2xx answer with `status: "error"` fails like the status it
 * stands for. /register is not idempotent: after a 5xx, a timeout or a lost connection it is
 * reported as "may have been applied", never sent again.
 */
import type {
	IExecuteFunctions,
	ILoadOptionsFunctions,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import type { ErrorOptions, RequestStats } from '../../../shared/transport/client';
import { VendorClient } from '../../../shared/transport/client';
import type { RetrySettings } from '../../../shared/transport/policy';
import { webinarJamPolicy } from './policy';

export { baseUrlOf, statusForApiError, webinarJamPolicy } from './policy';

export type Endpoint = 'webinars' | 'webinar' | 'registrants' | 'register';

export type WebinarJamContext = IExecuteFunctions | ILoadOptionsFunctions;

export type FormValue = string | number | boolean | undefined | null;

export interface CallOptions extends ErrorOptions {
	/** False for /register: a registration that may have been applied is never sent twice. */
	idempotent?: boolean;
}

/** WebinarJam treats a sent-but-empty parameter as a value: only set ones go; booleans as 1/0. */
function formOf(params: Record<string, FormValue>): Record<string, string | number> {
	const form: Record<string, string | number> = {};
	for (const [key, value] of Object.entries(params)) {
		if (value === undefined || value === null || value === '') continue;
		form[key] = typeof value === 'boolean' ? (value ? 1 : 0) : String(value);
	}
	return form;
}

export class WebinarJamClient {
	private constructor(
		readonly client: VendorClient,
		/** 'webinarjam' or 'everwebinar'. */
		readonly product: string,
	) {}

	static async create(
		ctx: WebinarJamContext,
		retry: Partial<RetrySettings> = {},
		itemIndex?: number,
	): Promise<WebinarJamClient> {
		const client = await VendorClient.create(ctx, webinarJamPolicy, retry, itemIndex);
		return new WebinarJamClient(client, client.account ?? 'webinarjam');
	}

	get stats(): RequestStats {
		return this.client.stats;
	}

	/** One call, paced and retried; the answer's JSON (`status: "success"`), or the node error. */
	async request<T = Record<string, unknown>>(
		endpoint: Endpoint,
		params: Record<string, FormValue> = {},
		options: CallOptions = {},
	): Promise<T> {
		try {
			const { body } = await this.client.request<T>({
				method: 'POST',
				path: `/${endpoint}`,
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
				body: formOf(params),
				idempotent: options.idempotent !== false,
			});
			return body;
		} catch (error) {
			throw this.toNodeError(error, options);
		}
	}

	toNodeError(error: unknown, options: ErrorOptions = {}): NodeApiError | NodeOperationError {
		return this.client.toNodeError(error, options);
	}
}
