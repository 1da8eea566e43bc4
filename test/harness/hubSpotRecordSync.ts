/**
 * HubSpot Record Sync for workflows run by n8n-core (inProcess.ts): importing this registers the
 * node and the credentials it declares. The field rules and HubSpot properties are the customers ↔
 * companies example the shipped workflows use.
 */
import type { IDataObject } from 'n8n-workflow';

import { HubSpotBatchApi } from '../../credentials/HubSpotBatchApi.credentials';
import { HubSpotRecordSync } from '../../nodes/HubSpotRecordSync/HubSpotRecordSync.node';
import type { HubSpotEmulator } from '../emulators/hubspot/server';
import {
	PostgresCredentialType,
	RedisCredentialType,
	registerCredentialType,
	registerNodeType,
	type NodeUnderTest,
} from './inProcess';

export const RECORD_SYNC = 'n8n-nodes-marketing-ops.hubSpotRecordSync';

registerNodeType(RECORD_SYNC, new HubSpotRecordSync());
registerCredentialType(new HubSpotBatchApi());
registerCredentialType(new PostgresCredentialType());
registerCredentialType(new RedisCredentialType());

export interface Rule {
	column: string;
	property: string;
	direction: 'both' | 'toHubSpot' | 'toApp';
	authority?: 'hubspotWins' | 'appWins' | 'latestWins' | 'manual';
	immutable?: boolean;
}

/** The customers ↔ companies rules of the shipped workflows. */
export const CUSTOMER_RULES: Rule[] = [
	{ column: 'ban', property: 'ban', direction: 'toHubSpot', immutable: true },
	{ column: 'company_name', property: 'name', direction: 'both', authority: 'latestWins' },
	{ column: 'status', property: 'account_status', direction: 'toHubSpot' },
	{ column: 'credit_limit', property: 'credit_limit', direction: 'both', authority: 'hubspotWins' },
	{ column: 'current_balance', property: 'current_balance', direction: 'toHubSpot' },
	{ column: 'payment_terms', property: 'payment_terms', direction: 'toApp' },
	{ column: 'email', property: 'billing_email', direction: 'both', authority: 'latestWins' },
];

/** The company properties the example needs, as a HubSpot admin would create them. */
export const COMPANY_PROPERTIES: IDataObject[] = [
	{
		name: 'app_record_id',
		label: 'App record ID',
		type: 'string',
		fieldType: 'text',
		hasUniqueValue: true,
	},
	{ name: 'ban', label: 'BAN', type: 'string', fieldType: 'text' },
	{
		name: 'account_status',
		label: 'Account status',
		type: 'enumeration',
		fieldType: 'select',
		options: ['active', 'suspended', 'closed'].map((value, displayOrder) => ({
			label: value,
			value,
			displayOrder,
		})),
	},
	{ name: 'credit_limit', label: 'Credit limit', type: 'number', fieldType: 'number' },
	{ name: 'current_balance', label: 'Current balance', type: 'number', fieldType: 'number' },
	{ name: 'payment_terms', label: 'Payment terms', type: 'string', fieldType: 'text' },
	{ name: 'billing_email', label: 'Billing email', type: 'string', fieldType: 'text' },
];

export async function createCompanyProperties(emulator: HubSpotEmulator): Promise<void> {
	for (const property of COMPANY_PROPERTIES) {
		const response = await fetch(`${emulator.url}/crm/v3/properties/companies`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${emulator.defaultToken}`,
				'content-type': 'application/json',
			},
			body: JSON.stringify({ groupName: 'companyinformation', ...property }),
		});
		if (response.status !== 201 && response.status !== 409)
			throw new Error(
				`creating ${String(property.name)}: ${response.status} ${await response.text()}`,
			);
	}
}

export function fieldRules(rules: Rule[]): IDataObject {
	return {
		rule: rules.map((r) => ({
			column: r.column,
			property: r.property,
			direction: r.direction,
			authority: r.authority ?? 'latestWins',
			immutable: r.immutable ?? false,
		})),
	};
}

/** "Sync" (HubSpot Record Sync) on `schema`.customers ↔ companies. */
export function syncNode(
	schema: string,
	parameters: IDataObject,
	opts: Partial<Pick<NodeUnderTest, 'name' | 'onError'>> & { rules?: Rule[]; redis?: boolean } = {},
): NodeUnderTest {
	return {
		name: opts.name ?? 'Sync',
		type: RECORD_SYNC,
		parameters: {
			schema,
			table: 'customers',
			keyColumn: 'id',
			hubspotIdColumn: 'hubspot_id',
			objectType: 'companies',
			fieldRules: fieldRules(opts.rules ?? CUSTOMER_RULES),
			...parameters,
		},
		credentials: {
			postgres: { id: 'pg', name: 'Postgres' },
			hubSpotBatchApi: { id: 'hs', name: 'HubSpot' },
			...(opts.redis ? { redis: { id: 'redis', name: 'Redis' } } : {}),
		},
		onError: opts.onError,
	};
}
