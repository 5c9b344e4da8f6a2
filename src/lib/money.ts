/**
 * Formats an amount in minor units for display: `$1,250,000` for a sale, `$2,500/month` for a
 * rent. One locale (en-US) for every currency keeps symbols unambiguous: CA$, £, €.
 */

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, fractionDigits: number): Intl.NumberFormat {
  const key = `${currency}:${fractionDigits}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: fractionDigits,
      maximumFractionDigits: fractionDigits,
    });
    formatters.set(key, f);
  }
  return f;
}

/** Digits after the decimal point of a currency's minor unit (2 for USD, 0 for JPY). */
export function currencyMinorDigits(currency: string): number {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(minorUnits: number, currency: string): string {
  const digits = currencyMinorDigits(currency);
  const factor = 10 ** digits;
  // Whole units when there are no cents: `$2,500`, not `$2,500.00`.
  const shown = minorUnits % factor === 0 ? 0 : digits;
  return formatter(currency, shown).format(minorUnits / factor);
}

/**
 * The longest `priceFormatted` can be: a price is at most 10^14 minor units, so 18 digits with
 * separators, a symbol or code and `/month` (31 characters at the most today, `F CFA 100,000,000,000,000/month`).
 */
export const PRICE_FORMATTED_MAX = 40;

export function priceFormatted(minorUnits: number, currency: string, listingType: 'sale' | 'rent'): string {
  const amount = formatMoney(minorUnits, currency);
  return listingType === 'rent' ? `${amount}/month` : amount;
}
