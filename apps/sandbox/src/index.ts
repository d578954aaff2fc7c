export { type DashboardAssetsOptions, dashboardAssets } from './dashboard/index.ts';
export type { MerchantCredentials } from './domain/service.ts';
export type { PublicRoute } from './http/routes.ts';
export { type RunningSandbox, type SandboxOptions, startSandbox } from './sandbox.ts';
