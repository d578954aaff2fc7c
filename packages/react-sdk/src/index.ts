export {
  ACCRUE_PAY_MESSAGE_SOURCE,
  AccruePayButton,
  type AccruePayButtonProps,
  type AccruePayError,
  type AccruePayStatus,
  readAccruePayMessage,
} from './accrue-pay-button.tsx';
export type { SessionRef } from './api.ts';
export { AccruPayProvider, type AccruPayProviderProps, DEFAULT_BASE_URL } from './context.tsx';
export {
  checkAppearance,
  type FrameTarget,
  frameTarget,
  type PaymentFormAppearance,
  readFrameMessage,
} from './messages.ts';
export {
  PaymentForm,
  type PaymentFormCallbacks,
  type PaymentFormProps,
  type PaymentFormSession,
} from './payment-form.tsx';
export {
  type AccruPayFormError,
  type AccruPaySessionView,
  type AccruPayState,
  type AccruPayStatus,
  type MachineEvent,
  TERMINAL_STATUSES,
  transition,
} from './state.ts';
export { type UseAccruPay, useAccruPay } from './use-accrupay.ts';
