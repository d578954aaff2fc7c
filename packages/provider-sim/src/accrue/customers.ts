import { createHash } from 'node:crypto';
import { en, Faker } from '@faker-js/faker';

/** The one sign-in code every test customer accepts on the hosted Accrue Pay page. */
export const ACCRUE_SIGN_IN_CODE = '000000';

/** The faker seed test customers are drawn from (plus the last five digits of their phone number). */
export const ACCRUE_CUSTOMER_SEED = 4_004;

/** A default customer's wallet balance in minor units ($1,000,000.00). */
export const ACCRUE_DEFAULT_WALLET_BALANCE = 100_000_000;

/** The kinds of test customer; every phone number that signs in is one of them. */
export const ACCRUE_CUSTOMER_KEYS = [
  'default',
  'insufficient_funds',
  'bank_transfer_fails',
  'bank_transfer_returned',
  'abandons',
] as const;

export type AccrueCustomerKey = (typeof ACCRUE_CUSTOMER_KEYS)[number];

/**
 * The special test customers by key: their phone number (E.164), their wallet balance and what they
 * do. Any other number of the pattern `+1 555 01X XXXX` is a `default` customer of its own.
 */
export const ACCRUE_TEST_CUSTOMERS: Readonly<
  Record<AccrueCustomerKey, { phone: string; walletBalance: number; description: string }>
> = {
  default: {
    phone: '+15550100000',
    walletBalance: ACCRUE_DEFAULT_WALLET_BALANCE,
    description: 'Wallet balance $1,000,000.00; bank transfers succeed',
  },
  insufficient_funds: {
    phone: '+15550100001',
    walletBalance: 500,
    description:
      'Wallet balance $5.00: a larger wallet authorization is refused (insufficient_funds)',
  },
  bank_transfer_fails: {
    phone: '+15550100002',
    walletBalance: ACCRUE_DEFAULT_WALLET_BALANCE,
    description:
      'The bank transfer fails while processing: payment failed (transfer_failed) 1 day after capture',
  },
  bank_transfer_returned: {
    phone: '+15550100003',
    walletBalance: ACCRUE_DEFAULT_WALLET_BALANCE,
    description:
      'The bank transfer succeeds, then is returned before settlement: payment failed (transfer_returned) 12 hours after succeeded',
  },
  abandons: {
    phone: '+15550100004',
    walletBalance: ACCRUE_DEFAULT_WALLET_BALANCE,
    description:
      'Leaves the checkout at Pay: the hosted page reports canceled, no intent is created',
  },
};

/** A test customer as the simulator knows them: a fixed faker draw per phone number. */
export interface AccrueCustomerProfile {
  id: string;
  key: AccrueCustomerKey;
  phone: string;
  name: string;
  email: string;
  initialWalletBalance: number;
  bank: { name: string; last4: string };
  billingAddress: {
    street: string;
    street2: string;
    city: string;
    state: string;
    postalCode: string;
    country: string;
  };
}

/** The phone number in E.164 if it is a test number (`+1 555 01X XXXX`, any separators), else undefined. */
export function normalizeAccruePhone(raw: string): string | undefined {
  const digits = raw.replace(/[\s().-]/g, '');
  const m = /^(?:\+?1)?(55501\d{5})$/.exec(digits);
  return m ? `+1${m[1]}` : undefined;
}

const BANKS = ['Chase', 'Bank of America', 'Wells Fargo', 'Citibank', 'U.S. Bank', 'PNC Bank'];
const profiles = new Map<string, AccrueCustomerProfile>();

/** The test customer of a normalized phone number (see {@link normalizeAccruePhone}); the same on every run. */
export function accrueCustomer(phone: string): AccrueCustomerProfile {
  const cached = profiles.get(phone);
  if (cached) return cached;
  const key =
    ACCRUE_CUSTOMER_KEYS.find((k) => ACCRUE_TEST_CUSTOMERS[k].phone === phone) ?? 'default';
  const faker = new Faker({ locale: [en] });
  faker.seed(ACCRUE_CUSTOMER_SEED + Number(phone.slice(-5)));
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  const profile: AccrueCustomerProfile = {
    id: `cus_${createHash('sha256').update(phone).digest('hex').slice(0, 24)}`,
    key,
    phone,
    name: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName, provider: 'example.com' }).toLowerCase(),
    initialWalletBalance: ACCRUE_TEST_CUSTOMERS[key].walletBalance,
    bank: { name: faker.helpers.arrayElement(BANKS), last4: faker.string.numeric(4) },
    billingAddress: {
      street: faker.location.streetAddress(),
      street2: faker.location.secondaryAddress(),
      city: faker.location.city(),
      state: faker.location.state({ abbreviated: true }),
      postalCode: faker.location.zipCode('#####'),
      country: 'US',
    },
  };
  profiles.set(phone, profile);
  return profile;
}
