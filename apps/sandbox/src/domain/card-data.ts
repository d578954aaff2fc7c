/** Whether a run of digits passes the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

// 13 to 19 digits, optionally grouped by single spaces or dashes, standing alone: not part of a
// longer run of letters and digits (a UUID, a reference) and not an E.164 phone number (+...).
const CANDIDATE =
  /(?<![0-9A-Za-z+]|[0-9A-Za-z]-|\d )(?:\d[ -]?){12,18}\d(?![0-9A-Za-z]|-[0-9A-Za-z]| \d)/g;

/** Whether a text holds something card-like: a Luhn-valid run of 13 to 19 digits. */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return true;
  }
  return false;
}

/**
 * The dotted path of the first card-like value in a request body or query, or undefined.
 * Amount fields are numbers of minor units, not card data, and are skipped.
 */
export function findCardData(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return containsCardNumber(value) ? path.join('.') : undefined;
  if (typeof value === 'number' || typeof value === 'bigint') {
    return containsCardNumber(String(value)) ? path.join('.') : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findCardData(item, [...path, String(index)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (/amount$/i.test(key)) continue;
      if (containsCardNumber(key)) return [...path, key].join('.');
      const found = findCardData(item, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
