// Reports as spreadsheets open them.
/** A text cell a spreadsheet would read as a formula (OWASP's list): `=HYPERLINK(...)` in an office's name, say. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain decimal ("-50.00": a net in riyals) is a number to a spreadsheet, not a formula: left as it is. */
const PLAIN_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
/** Excel reads a CSV as the machine's code page unless it starts with this mark; with it, Arabic shows as Arabic. */
const UTF8_BOM = '\uFEFF';

/**
 * A report's rows as CSV (RFC 4180): a header, then one line per row. Text
 * that would start a formula is prefixed with an apostrophe, which the
 * spreadsheet shows as plain text; numbers (and text that is only a
 * decimal number, such as riyals with two decimals) are left as numbers.
 */
export function toCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return UTF8_BOM;
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => {
    const raw = v === null || v === undefined ? '' : String(v);
    const s = typeof v === 'string' && FORMULA_START.test(raw) && !PLAIN_NUMBER.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return UTF8_BOM + [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
