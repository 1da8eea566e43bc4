/**
 * The Airtable Registry node in a one-node workflow, run by n8n-core (inProcess.ts) against the
 * Airtable emulator: shared by the node's integration tests and the worker fixture.
 */
import type { IDataObject } from 'n8n-workflow';

import { AirtableRegistryApi } from '../../credentials/AirtableRegistryApi.credentials';
import { AirtableRegistry } from '../../nodes/AirtableRegistry/AirtableRegistry.node';
import type { AirtableEmulator } from '../emulators/airtable/server';
import {
	registerCredentialType,
	registerNodeType,
	startThen,
	type WorkflowJson,
} from './inProcess';

registerNodeType('n8n-nodes-marketing-ops.airtableRegistry', new AirtableRegistry());
registerCredentialType(new AirtableRegistryApi());

export type OnError = 'continueErrorOutput' | 'continueRegularOutput';

/** Start → "Airtable" (the node with `parameters`); its Redis credential is used only when asked for. */
export function airtableWorkflow(
	parameters: IDataObject,
	onError?: OnError,
	typeVersion = 1,
): WorkflowJson {
	return startThen(
		{
			id: 'airtable',
			name: 'Airtable',
			type: 'n8n-nodes-marketing-ops.airtableRegistry',
			typeVersion,
			parameters,
			credentials: {
				airtableRegistryApi: { id: '1', name: 'Airtable' },
				redis: { id: '2', name: 'Redis' },
			},
			onError,
		},
		{ id: 'wf-airtable-registry' },
	);
}

/** The node's credential for the emulator's base. */
export const airtableCredentials = (
	emulator: Pick<AirtableEmulator, 'url' | 'baseId' | 'defaultToken'>,
	token = emulator.defaultToken,
) => ({
	accessToken: token,
	baseId: emulator.baseId,
	baseUrl: emulator.url,
	eventsTable: 'Events',
	registrationsTable: 'Registrations',
});

/** Version 2's base locator, as picking the base from the list stores it. */
export const pickedBase = (baseId: string, name = baseId) => ({
	__rl: true,
	mode: 'list',
	value: baseId,
	cachedResultName: name,
	cachedResultUrl: `https://airtable.com/${baseId}`,
});

/** A version 2 credential: the token and the URL, no base (the node picks it). */
export const tokenOnlyCredentials = (
	emulator: Pick<AirtableEmulator, 'url' | 'defaultToken'>,
	token = emulator.defaultToken,
) => ({
	accessToken: token,
	baseId: '',
	baseUrl: emulator.url,
	eventsTable: 'Events',
	registrationsTable: 'Registrations',
});
