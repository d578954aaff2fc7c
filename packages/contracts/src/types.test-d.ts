import type {
  ClientInferRequest,
  ClientInferResponseBody,
  ServerInferRequest,
  ServerInferResponseBody,
} from '@ts-rest/core';
import { describe, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type { Contract } from './contract.ts';
import type { Currency } from './currency.ts';
import type { ClientTransactionSessionStatus, TransactionStatus } from './enums.ts';
import type {
  ClientSession,
  MerchantTransaction,
  PublicClientSession,
  SessionIdentifier,
  sessionIdentifierSchema,
} from './session.ts';
import type {
  StartAddPaymentMethodSessionInput,
  StartPaymentSession,
  StartPaymentSessionInput,
} from './start.ts';

describe('start payloads', () => {
  test('take a bigint, decimal string or number amount, and parse to bigint', () => {
    expectTypeOf<StartPaymentSessionInput['data']['amount']>().toEqualTypeOf<
      bigint | string | number
    >();
    expectTypeOf<StartPaymentSession['data']['amount']>().toEqualTypeOf<bigint>();
    expectTypeOf<StartPaymentSessionInput['data']['currency']>().toEqualTypeOf<Currency>();
    expectTypeOf<StartPaymentSessionInput['data']['storePaymentMethod']>().toEqualTypeOf<boolean>();
  });

  test('require billing name, email and country; the rest is optional', () => {
    type Billing = StartPaymentSessionInput['data']['billing'];
    expectTypeOf<Billing['billingFirstName']>().toEqualTypeOf<string>();
    expectTypeOf<Billing['billingEmail']>().toEqualTypeOf<string>();
    expectTypeOf<Billing['billingAddressCountry']>().toEqualTypeOf<
      z.infer<typeof import('./country.ts').countryIso2Schema>
    >();
    expectTypeOf<Billing['billingPhone']>().toEqualTypeOf<string | undefined>();
  });

  test('add-payment-method has no amount and no storePaymentMethod', () => {
    type Data = StartAddPaymentMethodSessionInput['data'];
    expectTypeOf<Data>().not.toHaveProperty('amount');
    expectTypeOf<Data>().not.toHaveProperty('storePaymentMethod');
    expectTypeOf<Data>().toHaveProperty('merchantInternalTransactionCode');
  });

  test('select the provider one way, not both', () => {
    expectTypeOf<{
      merchantTransactionProviderId: 'x';
      data: StartPaymentSessionInput['data'];
    }>().toExtend<StartPaymentSessionInput>();
    expectTypeOf<{
      transactionProvider: 'STRIPE';
      data: StartPaymentSessionInput['data'];
    }>().toExtend<StartPaymentSessionInput>();
    expectTypeOf<{
      merchantTransactionProviderId: 'x';
      transactionProvider: 'STRIPE';
      data: StartPaymentSessionInput['data'];
    }>().not.toExtend<StartPaymentSessionInput>();
  });
});

describe('the session identifier', () => {
  test('is a union of exactly one of four keys', () => {
    expectTypeOf<{ id: string }>().toExtend<SessionIdentifier>();
    expectTypeOf<{ token: string }>().toExtend<SessionIdentifier>();
    expectTypeOf<{ providerCode: string }>().toExtend<SessionIdentifier>();
    expectTypeOf<{ merchantInternalTransactionCode: string }>().toExtend<SessionIdentifier>();
    expectTypeOf<{ id: string; token: string }>().not.toExtend<SessionIdentifier>();
    expectTypeOf<{
      id: string;
      merchantInternalTransactionCode: string;
    }>().not.toExtend<SessionIdentifier>();
    expectTypeOf<Record<string, never>>().not.toExtend<SessionIdentifier>();
    expectTypeOf<z.input<typeof sessionIdentifierSchema>>().toEqualTypeOf<SessionIdentifier>();
  });
});

describe('the session and the transaction', () => {
  test('carry amounts as bigint and statuses as their unions', () => {
    expectTypeOf<ClientSession['amount']>().toEqualTypeOf<bigint | null>();
    expectTypeOf<ClientSession['status']>().toEqualTypeOf<ClientTransactionSessionStatus>();
    expectTypeOf<ClientSession['kind']>().toEqualTypeOf<'CLIENT' | 'SERVER'>();
    expectTypeOf<ClientSession['type']>().toEqualTypeOf<
      'payment' | 'add-payment-method' | 'authorization'
    >();
    expectTypeOf<ClientSession['transactions']>().toEqualTypeOf<MerchantTransaction[]>();
    expectTypeOf<MerchantTransaction['status']>().toEqualTypeOf<TransactionStatus>();
    expectTypeOf<MerchantTransaction['amount']>().toEqualTypeOf<bigint | null>();
    expectTypeOf<MerchantTransaction['merchantInternalTransactionCode']>().toEqualTypeOf<
      string | null
    >();
  });

  test('the public view has no merchant data', () => {
    expectTypeOf<PublicClientSession>().not.toHaveProperty('merchantInternalCustomerCode');
    expectTypeOf<PublicClientSession>().not.toHaveProperty('transactions');
    expectTypeOf<PublicClientSession>().not.toHaveProperty('payload');
  });
});

describe('the ts-rest contract', () => {
  type Verify = Contract['clientSessions']['payments']['verify'];
  type Start = Contract['clientSessions']['payments']['start'];

  test('verify returns a transaction, decoded on the client and encoded on the server', () => {
    expectTypeOf<ClientInferResponseBody<Verify, 200>>().toEqualTypeOf<MerchantTransaction>();
    expectTypeOf<ServerInferResponseBody<Verify, 200>['amount']>().toEqualTypeOf<
      string | number | bigint | null
    >();
  });

  test('start sends an amount and hands the server a bigint', () => {
    expectTypeOf<ClientInferRequest<Start>['body']['data']['amount']>().toEqualTypeOf<
      bigint | string | number
    >();
    expectTypeOf<ServerInferRequest<Start>['body']['data']['amount']>().toEqualTypeOf<bigint>();
    expectTypeOf<ClientInferRequest<Start>['headers']>().toHaveProperty('accrupay-api-secret');
  });
});
