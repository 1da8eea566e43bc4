import type { IExecuteFunctions, INodeParameters } from 'n8n-workflow';

import { isItemIndependentExpression, ParameterReader } from '../../nodes/shared/parameters';

describe('isItemIndependentExpression', () => {
	it.each([
		"={{ $('Registration CSV Form').first().json['Event name'] }}",
		"={{ $('Airtable: Find or Create Event').first()?.json?.airtable_id ?? '' }}",
		'={{ $now.toISO() }}',
		'={{ $input.all().length }}',
		'={{ $vars.listPrefix }} - 2026',
	])('%s cannot depend on the item', (raw) => {
		expect(isItemIndependentExpression(raw)).toBe(true);
	});

	it.each([
		'={{ $json.email }}',
		"={{ $('Dedupe & Normalize').item.json.utm_campaign }}",
		'={{ $input.item.json.x }}',
		'={{ $binary.data.fileName }}',
		'={{ $itemIndex }}',
		"={{ $item(0).$node['X'].json.id }}",
		"={{ $node['Start'].json.id }}",
		"={{ $('X').pairedItem().json.id }}",
		"={{ $('X').itemMatching(0).json.id }}",
		'={{ $parameter.listName }}',
	])('%s may depend on the item', (raw) => {
		expect(isItemIndependentExpression(raw)).toBe(false);
	});

	it('plain values are not expressions', () => {
		expect(isItemIndependentExpression('Event Registrations')).toBe(false);
		expect(isItemIndependentExpression(42)).toBe(false);
	});
});

describe('ParameterReader', () => {
	/** A node whose parameters resolve to `<name>@<item>`, counting every evaluation n8n would make. */
	function context(parameters: INodeParameters) {
		const evaluations: string[] = [];
		const ctx = {
			getNode: () => ({ parameters }),
			getNodeParameter: (name: string, itemIndex: number) => {
				evaluations.push(`${name}@${itemIndex}`);
				return `${name}@${itemIndex}`;
			},
		} as unknown as IExecuteFunctions;
		return { ctx, evaluations };
	}

	it('evaluates an item-independent expression once and gives every item that value', () => {
		const { ctx, evaluations } = context({
			eventName: "={{ $('Form').first().json['Event name'] }}",
		});
		const reader = new ParameterReader(ctx);
		const values = [0, 1, 2, 3].map((i) => reader.get('eventName', i));
		expect(values).toEqual(['eventName@0', 'eventName@0', 'eventName@0', 'eventName@0']);
		expect(evaluations).toEqual(['eventName@0']);
	});

	it('evaluates a per-item expression for every item', () => {
		const { ctx, evaluations } = context({ email: '={{ $json.email }}' });
		const reader = new ParameterReader(ctx);
		expect([0, 1, 2].map((i) => reader.get('email', i))).toEqual(['email@0', 'email@1', 'email@2']);
		expect(evaluations).toHaveLength(3);
	});

	it('finds nested parameters by path (options.x)', () => {
		const { ctx, evaluations } = context({
			options: { eventDate: "={{ $('Form').first().json.date }}", eventId: '={{ $json.id }}' },
		});
		const reader = new ParameterReader(ctx);
		for (const i of [0, 1]) {
			reader.get('options.eventDate', i);
			reader.get('options.eventId', i);
		}
		expect(evaluations).toEqual(['options.eventDate@0', 'options.eventId@0', 'options.eventId@1']);
	});
});
