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

/** The fewest and most digits a card number has. */
export const CARD_DIGITS = { min: 13, max: 19 } as const;

/**
 * What may stand between the digit groups of a card number: any space (U+00A0, U+202F and the
 * other Unicode spaces, tabs), an invisible format character (zero-width space, soft hyphen),
 * any dash, `_`, `.` and `/`; a run of several counts as one separator.
 */
const SEPARATOR = String.raw`[\s\p{Zs}\p{Cf}\p{Pd}_./]`;
const DIGIT_GROUPS = new RegExp(String.raw`\d+(?:${SEPARATOR}+\d+)*`, 'gu');

// Identifiers whose digits are random, not typed: they are never card numbers. A UUID (session
// ids, Nuvei tokens, idempotency keys), and a long hex string with a letter in it (a hash, a
// request id). Each is replaced by a letter before the scan, so that its digits join no group.
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const LONG_HEX = /[0-9a-f]{24,}/gi;

function maskIdentifiers(text: string): string {
  return text.replace(UUID, 'U').replace(LONG_HEX, (run) => (/[a-f]/i.test(run) ? 'H' : run));
}

/**
 * Where the card-like runs of a text are: [start, end) offsets into the NFKC form of the text.
 *
 * The rule: after NFKC normalisation (full-width digits become ASCII ones), a run of digit groups
 * joined by separators (see `SEPARATOR`) holds a card number if some consecutive groups of it
 * have 13 to 19 digits in all and pass the Luhn check. Letters around the digits do not matter
 * (`order4111111111111111abc` is refused). No card number starts with 0 (ISO/IEC 7812), so a
 * run that does is not one either (`0.0.0.0.0.0.0.0.0.0.0.0.0` passes Luhn). Not card-like: a group right after `+` (an E.164 phone
 * number), a UUID, a hex string of 24 or more characters with a letter in it, a single group of
 * more than 19 digits.
 */
function cardRuns(normalized: string): Array<[number, number]> {
  const masked = maskIdentifiers(normalized);
  const runs: Array<[number, number]> = [];
  for (const match of masked.matchAll(DIGIT_GROUPS)) {
    const start = match.index;
    const groups: Array<{ start: number; end: number }> = [];
    for (const group of match[0].matchAll(/\d+/g)) {
      groups.push({ start: start + group.index, end: start + group.index + group[0].length });
    }
    const phone = start > 0 && masked[start - 1] === '+';
    for (let first = phone ? 1 : 0; first < groups.length; first++) {
      let digits = '';
      for (let last = first; last < groups.length; last++) {
        const group = groups[last] as { start: number; end: number };
        digits += masked.slice(group.start, group.end);
        if (digits.length > CARD_DIGITS.max) break;
        if (digits.length >= CARD_DIGITS.min && digits[0] !== '0' && luhnValid(digits)) {
          runs.push([(groups[first] as { start: number }).start, group.end]);
        }
      }
    }
  }
  return runs;
}

/** Whether a text holds something card-like: a Luhn-valid run of 13 to 19 digits (see `cardRuns`). */
export function containsCardNumber(text: string): boolean {
  return cardRuns(text.normalize('NFKC')).length > 0;
}

/** The text with every card-like run replaced by `[card number redacted]`: for log lines. */
export function redactCardNumbers(text: string): string {
  const normalized = text.normalize('NFKC');
  const runs = cardRuns(normalized);
  if (runs.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of runs.sort((a, b) => a[0] - b[0])) {
    if (start < at) {
      at = Math.max(at, end); // overlaps the run just redacted
      continue;
    }
    out += `${normalized.slice(at, start)}[card number redacted]`;
    at = end;
  }
  return out + normalized.slice(at);
}

/** Whether a value of an amount field is an amount as the contract takes it (a whole number). */
function isAmount(value: unknown): boolean {
  return (
    typeof value === 'bigint' ||
    (typeof value === 'number' && Number.isInteger(value)) ||
    (typeof value === 'string' && /^[0-9]+$/.test(value))
  );
}

/**
 * The dotted path of the first card-like value or key in a request body or query, or undefined
 * (`''` when the value itself, not a field of it, is card-like). The scan is iterative: a body of
 * any depth is scanned without recursion (the HTTP layer refuses deep bodies before, anyway).
 *
 * Amount fields (keys ending in `amount`) hold minor units, not card data: a whole number in one
 * (a JSON integer or a string of digits, the forms the contract takes) is not scanned. The
 * contract caps amounts at 2^63-1 and every provider at 11 digits (Stripe 8, Nuvei 11), so a
 * 13-digit amount is refused before anything is stored. Anything else in an amount field (digits
 * with spaces, dashes or dots) is scanned like any other text.
 *
 * A `providerCode` of digits (a lookup or verify by the provider's id) is the provider's id that
 * the router handed out, not card data: Nuvei's transaction ids are 19 digits, one in ten of them
 * Luhn-valid. It is only looked up, never stored.
 */
export function findCardData(value: unknown): string | undefined {
  // Paths are linked lists to the root, spelled out only for the value found.
  type Step = { key: string; parent: Step | undefined };
  const spell = (step: Step | undefined, last?: string): string => {
    const keys: string[] = last === undefined ? [] : [last];
    for (let at = step; at; at = at.parent) keys.push(at.key);
    return keys.reverse().join('.');
  };
  const stack: Array<{ value: unknown; at: Step | undefined }> = [{ value, at: undefined }];
  while (stack.length > 0) {
    const { value: item, at } = stack.pop() as { value: unknown; at: Step | undefined };
    if (typeof item === 'string') {
      if (containsCardNumber(item)) return spell(at);
    } else if (typeof item === 'number' || typeof item === 'bigint') {
      if (containsCardNumber(String(item))) return spell(at);
    } else if (Array.isArray(item)) {
      for (let index = item.length - 1; index >= 0; index--) {
        stack.push({ value: item[index], at: { key: String(index), parent: at } });
      }
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      // Keys first: a card number as a key is named by where it is, never by itself.
      for (const [key] of entries) {
        if (containsCardNumber(key)) return spell(at, '<a field name>');
      }
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index] as [string, unknown];
        if (/amount$/i.test(key) && isAmount(child)) continue;
        if (key === 'providerCode' && typeof child === 'string' && /^[0-9]+$/.test(child)) continue;
        stack.push({ value: child, at: { key, parent: at } });
      }
    }
  }
  return undefined;
}
