export * as applySchema from './applySchema.operation';
export * as createWithRollback from './createWithRollback.operation';
export * as applyHubSpotChanges from './applyHubSpotChanges.operation';
export * as queueAppChanges from './queueAppChanges.operation';
export * as flush from './flush.operation';
export * as reconcile from './reconcile.operation';
