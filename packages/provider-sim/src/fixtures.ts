import { en, Faker } from '@faker-js/faker';

/** The seed of {@link testBilling}: the same billing on every run. */
export const TEST_BILLING_SEED = 20_240_115;

/**
 * A billing contact for tests, valid for the contract's `billingSchema` (document 002's names),
 * drawn by faker from a fixed seed: deterministic, and no test copies a name or address by hand.
 * `seed` picks another, equally fixed, customer.
 */
export function testBilling(seed = TEST_BILLING_SEED) {
  const faker = new Faker({ locale: [en] });
  faker.seed(seed);
  const billingFirstName = faker.person.firstName();
  const billingLastName = faker.person.lastName();
  return {
    billingFirstName,
    billingLastName,
    billingEmail: faker.internet
      .email({ firstName: billingFirstName, lastName: billingLastName, provider: 'example.com' })
      .toLowerCase(),
    billingAddressCountry: 'US' as const,
    billingAddressState: `US-${faker.location.state({ abbreviated: true })}`,
    billingAddressCity: faker.location.city(),
    billingAddressLine1: faker.location.streetAddress(),
    billingAddressPostalCode: faker.location.zipCode('#####'),
  };
}

/** {@link testBilling} of the default seed. */
export const TEST_BILLING = testBilling();
