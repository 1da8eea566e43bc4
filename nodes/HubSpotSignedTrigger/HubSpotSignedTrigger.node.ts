import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { NodeConnectionTypes } from 'n8n-workflow';

import { postgresCredentials, postgresPool, quoteIdent } from '../shared/database/connection';
import { claimEvents, eventItem, KINDS, OBJECTS, readEvents } from './events';
import {
	clientSecretProblem,
	type HubSpotSignatureVersion,
	verifyHubSpotSignature,
} from './signature';

const EVENT_OPTIONS = Object.entries(OBJECTS).flatMap(([singular, plural]) =>
	KINDS.map((kind) => ({
		name: `${plural[0].toUpperCase()}${plural.slice(1, -1).replace(/ie$/, 'y')} ${kind === 'propertyChange' ? 'Property Change' : kind[0].toUpperCase() + kind.slice(1)}`,
		value: `${singular}.${kind}`,
	})),
);

/**
 * Starts the workflow on a HubSpot webhook delivery whose signature holds. A forged, altered or
 * stale delivery gets 401 and starts nothing. Each event HubSpot sent before (its retries, or the
 * same delivery at two n8n processes) is dropped by hubspot_webhook_events and logged as a duplicate.
 * The answer goes back at once, within HubSpot's 5 seconds, whatever the workflow then does.
 */
// HubSpot app webhooks are subscribed in the app's settings (or with a developer key this node
// does not hold), not per n8n workflow: there is nothing to register, check or delete.
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class HubSpotSignedTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'HubSpot Signed Trigger',
		icon: { light: 'file:hubspot.svg', dark: 'file:hubspot.dark.svg' },
		name: 'hubSpotSignedTrigger',
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].length + " event types"}}',
		description:
			'Starts the workflow on HubSpot webhook events whose signature (v3) holds, each event once',
		defaults: { name: 'HubSpot Signed Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'hubSpotAppApi', required: true, testedBy: 'hubSpotAppSecretTest' },
			// n8n's built-in Postgres credential, on purpose (the package is for self-hosted n8n):
			// where received event IDs are kept.
			// eslint-disable-next-line n8n-nodes-base/node-class-description-credentials-name-unsuffixed, @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'postgres', required: true },
		],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				responseData: '',
				path: 'hubspot',
			},
		],
		properties: [
			{
				displayName:
					"In HubSpot › your app › Webhooks, set the Target URL to this node's Production URL and subscribe to the events below. Run HubSpot Record Sync › Apply Schema once first: received events are kept in hubspot_webhook_events.",
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				options: EVENT_OPTIONS,
				default: [],
				description: 'Events other than these are answered and dropped',
			},
			{
				displayName: 'Signature Versions',
				name: 'signatureVersions',
				type: 'multiOptions',
				options: [
					{ name: 'V3 (Timestamped, Recommended)', value: 'v3' },
					{ name: 'V2 (No Timestamp: Replays Possible)', value: 'v2' },
					{ name: 'V1 (No Timestamp, No URL: Replays Possible)', value: 'v1' },
				],
				default: ['v3'],
				description:
					'Which of HubSpot’s signatures are accepted. Older apps sign with v1 or v2; those carry no time.',
			},
			{
				displayName: 'Schema',
				name: 'schema',
				type: 'string',
				default: 'public',
				description: 'The PostgreSQL schema that holds hubspot_webhook_events and hubspot_sync_log',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add option',
				default: {},
				options: [
					{
						displayName: 'Public URL',
						name: 'publicUrl',
						type: 'string',
						default: '',
						placeholder: 'https://n8n.example.com/webhook/…/hubspot',
						description:
							"The URL exactly as set in HubSpot, when it differs from n8n's Production URL (a proxy that rewrites the path). HubSpot signs the URL it calls.",
					},
				],
			},
		],
	};

	methods = {
		credentialTest: {
			async hubSpotAppSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const data = credential.data ?? {};
				const problem = clientSecretProblem(String(data.clientSecret ?? ''));
				if (problem) return { status: 'Error', message: problem };
				const previous = String(data.previousClientSecret ?? '');
				const old = previous === '' ? undefined : clientSecretProblem(previous);
				if (old) return { status: 'Error', message: `Previous ${old.replace(/^The /, '')}` };
				return {
					status: 'OK',
					message:
						'The client secret can sign; send a test event from HubSpot to check it is this app’s',
				};
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject();
		const res = this.getResponseObject();
		const answer = (status: number, body: IDataObject): IWebhookResponseData => {
			res.status(status).json(body);
			return { noWebhookResponse: true };
		};
		const node = this.getNode().name;
		const reject = (reason: string) => {
			// One answer whatever failed: a caller learns nothing about which check tripped.
			this.logger.warn(`HubSpot Signed Trigger rejected a delivery: ${reason}`, { node });
			return answer(401, { message: 'Unauthorized' });
		};

		const rawBody = (req as unknown as { rawBody?: Buffer }).rawBody;
		if (!Buffer.isBuffer(rawBody)) return reject('raw request body unavailable');
		const credentials = await this.getCredentials('hubSpotAppApi');
		const secrets = [credentials.clientSecret, credentials.previousClientSecret]
			.map((s) => String(s ?? ''))
			.filter((s) => s !== '' && clientSecretProblem(s) === undefined);
		const options = this.getNodeParameter('options', {}) as { publicUrl?: string };
		const verdict = verifyHubSpotSignature({
			method: req.method,
			uris: signedUris(this, options.publicUrl),
			rawBody,
			headers: req.headers,
			secrets,
			allowed: this.getNodeParameter('signatureVersions', ['v3']) as HubSpotSignatureVersion[],
		});
		if (!verdict.valid) return reject(verdict.reason);

		let parsed: unknown;
		try {
			parsed = JSON.parse(rawBody.toString('utf8'));
		} catch {
			return answer(400, { message: 'Body is not valid JSON' });
		}
		const read = readEvents(parsed);
		if (typeof read === 'string') return answer(400, { message: read });
		const { events, unusable } = read;
		if (unusable > 0)
			this.logger.warn(
				`HubSpot Signed Trigger left out ${unusable} event(s) it cannot use (no eventId, subscriptionType or objectId)`,
				{ node },
			);
		const wanted = new Set(this.getNodeParameter('events', []) as string[]);
		const selected = events.filter((e) => wanted.has(e.subscriptionType));
		if (selected.length === 0)
			return { webhookResponse: { received: events.length + unusable, started: 0 } };

		let claimed;
		try {
			const schema = String(this.getNodeParameter('schema', 'public') || 'public').trim();
			quoteIdent(schema, 'Schema');
			const pool = postgresPool(postgresCredentials(await this.getCredentials('postgres')), 4);
			claimed = await claimEvents(pool, schema, selected);
		} catch (error) {
			// Without the record of received events a retry could apply twice: HubSpot retries later.
			this.logger.error(
				`HubSpot Signed Trigger could not record the events: ${(error as Error).message}`,
				{ node },
			);
			return answer(503, { message: 'Service Unavailable' });
		}
		if (claimed.fresh.length === 0)
			return {
				webhookResponse: {
					received: events.length,
					started: 0,
					duplicates: claimed.duplicates.length,
				},
			};
		return {
			workflowData: [claimed.fresh.map((e) => ({ json: eventItem(e, verdict.version) }))],
			webhookResponse: { received: events.length, duplicates: claimed.duplicates.length },
		};
	}
}

/**
 * The URLs HubSpot may have signed: the one set in Options, n8n's production URL for this node, and
 * the URL the request arrived at as the proxy forwarded it; each with the request's query string.
 */
function signedUris(ctx: IWebhookFunctions, publicUrl?: string): string[] {
	const req = ctx.getRequestObject();
	const original = (req as unknown as { originalUrl?: string }).originalUrl ?? req.url ?? '';
	const queryAt = original.indexOf('?');
	const query = queryAt >= 0 ? original.slice(queryAt) : '';
	const withQuery = (url: string) => (url.includes('?') ? url : `${url}${query}`);
	const uris: string[] = [];
	if (publicUrl && publicUrl.trim() !== '') uris.push(withQuery(publicUrl.trim()));
	const production = ctx.getNodeWebhookUrl('default');
	if (production) uris.push(withQuery(production));
	const forwardedProto = String(req.headers['x-forwarded-proto'] ?? '')
		.split(',')[0]
		.trim();
	const forwardedHost = String(req.headers['x-forwarded-host'] ?? '')
		.split(',')[0]
		.trim();
	const host = forwardedHost || String(req.headers.host ?? '');
	const proto =
		forwardedProto ||
		((req.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http');
	if (host) uris.push(`${proto}://${host}${original}`);
	return uris;
}
