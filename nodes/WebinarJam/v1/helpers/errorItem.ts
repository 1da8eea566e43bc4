import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/**
 * An item for a failure under "Continue". n8n sends an item to the error output when its json has
 * only `error`, `message` and `details` (and replaces the json of an item that carries a NodeError),
 * so the extra fields go into `details` there and next to `error` on the main output.
 */
export function errorItem(
	ctx: IExecuteFunctions,
	message: string,
	extra: IDataObject,
	itemIndex: number,
): INodeExecutionData {
	const json: IDataObject =
		ctx.getNode().onError === 'continueErrorOutput'
			? { error: message, details: extra }
			: { ...extra, error: message };
	return { json, pairedItem: { item: itemIndex } };
}
