// biome-ignore lint/suspicious/noControlCharactersInRegex: single-line fields drop control characters
const CONTROL = /[\u0000-\u001f\u007f]+/g;

/** A value as one line of email text (subjects, names, titles): control characters become spaces. */
export function singleLine(value: unknown, fallback = ''): string {
  if (value === undefined || value === null || value === '') return fallback;
  return String(value).replace(CONTROL, ' ').trim().slice(0, 200);
}
