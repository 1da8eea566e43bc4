export * as complete from './complete.operation';
export * as fail from './fail.operation';
export * as emit from './emit.operation';
export * as stats from './stats.operation';
export * as applySchema from './applySchema.operation';
export * as attachToTable from './attachToTable.operation';
export * as purge from './purge.operation';
