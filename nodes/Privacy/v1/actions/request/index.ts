export * as exportData from './export.operation';
export * as erase from './erase.operation';
