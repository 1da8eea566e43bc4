import type { Icon, ICredentialType, INodeProperties } from 'n8n-workflow';

// Nothing at HubSpot answers for a client secret alone: the HubSpot Signed Trigger tests it
// (testedBy: 'hubSpotAppSecretTest'), refusing an empty, placeholder or malformed secret.
export class HubSpotAppApi implements ICredentialType {
	name = 'hubSpotAppApi';

	displayName = 'HubSpot App (Webhook Signing) API';

	icon: Icon = {
		light: 'file:../nodes/HubSpotBatch/hubspot.svg',
		dark: 'file:../nodes/HubSpotBatch/hubspot.dark.svg',
	};

	documentationUrl =
		'https://developers.hubspot.com/docs/guides/apps/authentication/validating-requests';

	properties: INodeProperties[] = [
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				"The app's client secret (HubSpot › Development › your app › Auth). HubSpot signs every webhook delivery with it.",
		},
		{
			displayName: 'Previous Client Secret',
			name: 'previousClientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'While rotating the secret: the old one, accepted too until you clear it',
		},
	];
}
