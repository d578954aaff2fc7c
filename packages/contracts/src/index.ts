export * from './admin.ts';
export * from './connection.ts';
export * from './contract.ts';
export * from './country.ts';
export * from './currency.ts';
export * from './enums.ts';
export * from './errors.ts';
export {
  describeIssues,
  type FieldIssue,
  isoDateTime,
  merchantCode,
  toFieldIssues,
} from './fields.ts';
export * from './hosted-page.ts';
export * from './money.ts';
export * from './pagination.ts';
export * from './payment-intents.ts';
export * from './session.ts';
export * from './start.ts';
export * from './state-machine.ts';
export * from './webhooks.ts';
