import { createHash, randomBytes } from 'node:crypto';
import { paymentIntentsContract } from '@accrupay/contracts';
import {
  type AccrueClient,
  type AccrueCredentials,
  accrueCredentialsSchema,
  newAccrueCredentials,
} from '../../providers/accrue/index.ts';
import type { AccrueAccountRow } from '../../store/provider-accounts.ts';
import type { MerchantRow } from '../../store/store.ts';
import { nowIso } from '../context.ts';
import { newId, sameDigest, sha256Hex } from '../ids.ts';
import type { PaymentIntentsContext } from './context.ts';
import { PaymentIntentError } from './errors.ts';

/** A merchant's Accrue account, ready to call: its credentials and the client. */
export interface AccrueAccount {
  row: AccrueAccountRow;
  credentials: AccrueCredentials;
  accrue: AccrueClient;
}

/** Where Accrue sends the notifications of an account. */
export function notificationUrl(p: PaymentIntentsContext, accountId: string): string {
  return `${p.ctx.callbackBaseUrl()}${paymentIntentsContract.receiveNotification.path.replace(':merchantTransactionProviderId', encodeURIComponent(accountId))}`;
}

/** Creates the merchant's Accrue account unless it has one; the one it has. */
export function ensureAccrueAccount(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
): Promise<AccrueAccountRow> {
  return p.store.findAccrueAccountOfMerchant(merchant.id).then(
    (found) =>
      found ??
      p.store.insertAccrueAccount({
        id: newId('mtp_accrue', 16),
        merchant_id: merchant.id,
        credentials: newAccrueCredentials(),
        created_at: nowIso(p.ctx),
      }),
  );
}

/** Registers the account at Accrue (the simulator) once per process. */
export async function provisionAccrue(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
  row: AccrueAccountRow,
): Promise<void> {
  const { accrue } = p;
  if (!accrue) return;
  const key = `accrue:${row.id}`;
  let registering = p.ctx.provisioned.get(key);
  if (!registering) {
    registering = accrue.provision(accrueCredentialsSchema.parse(row.credentials), {
      merchantPublicId: merchant.public_id,
      webhookUrl: notificationUrl(p, row.id),
      allowedOrigins: merchant.allowed_origins,
    });
    p.ctx.provisioned.set(key, registering);
    registering.catch(() => p.ctx.provisioned.delete(key));
  }
  await registering;
}

/** The merchant's Accrue account, created and registered on first use. */
export async function accrueAccountOf(
  p: PaymentIntentsContext,
  merchant: MerchantRow,
): Promise<AccrueAccount> {
  const { accrue } = p;
  if (!accrue) {
    throw new PaymentIntentError('internal_error', 'This sandbox has no Accrue Pay provider.');
  }
  const row = await ensureAccrueAccount(p, merchant);
  try {
    await provisionAccrue(p, merchant, row);
  } catch (error) {
    throw new PaymentIntentError(
      'provider_error',
      `Could not register the merchant's account at Accrue Pay (${error instanceof Error ? error.message : String(error)}); retry.`,
      { cause: error },
    );
  }
  return { row, credentials: accrueCredentialsSchema.parse(row.credentials), accrue };
}

// --- the secure card API's credential pair ---------------------------------------------------

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += BASE62[byte % 62];
  return out;
}

/** A client secret: `csk_test_` + 32 random characters + a 6-character checksum. */
function newClientSecret(): string {
  const body = base62(32);
  return `csk_test_${body}${checksum(body)}`;
}

function checksum(body: string): string {
  const digest = createHash('sha256').update(`csk:${body}`).digest();
  let out = '';
  for (const byte of digest.subarray(0, 6)) out += BASE62[byte % 62];
  return out;
}

function isWellFormedClientSecret(secret: string): boolean {
  const match = /^csk_test_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$/.exec(secret);
  return match?.[1] !== undefined && checksum(match[1]) === match[2];
}

/** The secure card API's pair as shown once: the secret is stored only as its hash. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Issues the merchant a new pair, replacing the one it had. */
export async function issueClientCredentials(
  p: PaymentIntentsContext,
  merchantId: string,
): Promise<ClientCredentials> {
  const clientId = `cid_test_${base62(24)}`;
  const clientSecret = newClientSecret();
  await p.store.putClientCredentials({
    merchant_id: merchantId,
    client_id: clientId,
    secret_hash: sha256Hex(clientSecret),
    created_at: nowIso(p.ctx),
  });
  return { clientId, clientSecret };
}

/**
 * Gives every merchant without a pair (created before 0007) one; the pairs issued, to be shown
 * this once (`accrupay-sandbox start` prints them).
 */
export async function issueMissingClientCredentials(
  p: PaymentIntentsContext,
): Promise<Array<ClientCredentials & { merchantId: string; name: string }>> {
  const issued: Array<ClientCredentials & { merchantId: string; name: string }> = [];
  for (const merchant of await p.ctx.store.listMerchants()) {
    if (await p.store.findClientCredentialsOfMerchant(merchant.id)) continue;
    const clientId = `cid_test_${base62(24)}`;
    const clientSecret = newClientSecret();
    const inserted = await p.store.insertClientCredentialsIfNone({
      merchant_id: merchant.id,
      client_id: clientId,
      secret_hash: sha256Hex(clientSecret),
      created_at: nowIso(p.ctx),
    });
    if (inserted)
      issued.push({ merchantId: merchant.id, name: merchant.name, clientId, clientSecret });
  }
  return issued;
}

/** The merchant an x-client-id / x-client-secret pair belongs to; 401 for anything else. */
export async function authenticateClient(
  p: PaymentIntentsContext,
  clientId: string | undefined,
  clientSecret: string | undefined,
): Promise<MerchantRow> {
  if (!clientId || !clientSecret) {
    throw new PaymentIntentError(
      'authentication_failed',
      'Missing card API credentials: send x-client-id (cid_test_...) and x-client-secret (csk_test_...), the pair printed when the merchant was created; the API secret is not accepted here.',
      { source: { header: clientId ? 'x-client-secret' : 'x-client-id' } },
    );
  }
  const refused = new PaymentIntentError(
    'authentication_failed',
    clientSecret.startsWith('sk_')
      ? 'That is the API secret, which the card API does not accept: send the client secret (csk_test_...) in x-client-secret.'
      : 'Invalid x-client-id / x-client-secret pair: check both against the pair printed when the merchant was created.',
    { source: { header: 'x-client-secret' } },
  );
  const hash = sha256Hex(clientSecret);
  const pair = isWellFormedClientSecret(clientSecret)
    ? await p.store.findClientCredentialsById(clientId)
    : undefined;
  if (!pair || !sameDigest(pair.secret_hash, hash)) throw refused;
  const merchant = await p.ctx.store.findMerchantById(pair.merchant_id);
  if (!merchant) throw refused;
  return merchant;
}
