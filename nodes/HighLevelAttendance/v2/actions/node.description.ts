import type { INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { attendanceProperties } from '../../v1/actions/attendance';
import * as contact from '../../v1/actions/contact';
import { versionDescription as v1 } from '../../v1/actions/node.description';

/**
 * Version 2: Check and Tag reads the GoHighLevel webhook request itself by default (Input), and a
 * request at fault leaves on a second output, ready to be the reply. Both keep the hot path free of
 * n8n expressions. Everything else is version 1's.
 */
export const versionDescription: INodeTypeDescription = {
	...v1,
	version: 2,
	// Static on purpose: outputs computed from parameters are an expression n8n evaluates per run.
	outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
	outputNames: ['Checked', 'Invalid Input'],
	properties: [
		{
			displayName: 'Resource',
			name: 'resource',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Attendance', value: 'attendance' },
				{ name: 'Contact', value: 'contact' },
			],
			default: 'attendance',
		},
		{
			displayName:
				'Check and Tag sends a request at fault (a missing or invalid email, contact or webinar: 422) to the second output, Invalid Input, as the reply to send. Contact operations use only the first output.',
			name: 'outputsNotice',
			type: 'notice',
			default: '',
		},
		...attendanceProperties(2),
		...contact.description,
	],
};
