/** The public API of tsplay for module authors. */
export { defineModule, ModuleFailure } from './modules/api.js';
export type {
  DiffEntry,
  FactCache,
  HostConnection,
  JsonSchema,
  ModuleContext,
  ModuleDefinition,
  ModuleDocs,
  ModuleResult,
  PredictedState,
  RunOptions,
  TemplateFileOptions,
} from './modules/api.js';
export { quote, quoteArgv } from './transport/shell-quote.js';
