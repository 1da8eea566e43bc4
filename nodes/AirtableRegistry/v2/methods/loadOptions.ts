/**
 * Select values offered as the picked table's own choices (meta API `fields[].options.choices`),
 * for the field each parameter writes: the one picked under Options › Field Names, else matched by
 * name as helpers/names.ts matches names.
 */
import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { choicesOf } from '../../v1/helpers/names';
import { registryApi, worded } from '../transport';

type Table = 'eventsTable' | 'registrationsTable';

function choicesFor(table: Table, defaultName: string) {
	return async function (this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		const api = await registryApi(this);
		const names = await worded(api, async () => await api.names(api[table]));
		const field = names.field(defaultName);
		const empty: INodePropertyOptions = {
			name: '(Leave Empty)',
			value: '',
			description: "The field's default applies",
		};
		if (field === undefined) return [empty];
		return [empty, ...choicesOf(field).map((choice) => ({ name: choice, value: choice }))];
	};
}

export const getEventTypes = choicesFor('eventsTable', 'event_type');
export const getEventTiers = choicesFor('eventsTable', 'event_tier');
export const getHosts = choicesFor('eventsTable', 'host');
export const getUtmSources = choicesFor('eventsTable', 'utm_source');
export const getUtmMediums = choicesFor('eventsTable', 'utm_medium');
export const getEventStatuses = choicesFor('eventsTable', 'status');
export const getSyncStatuses = choicesFor('registrationsTable', 'sync_status');
