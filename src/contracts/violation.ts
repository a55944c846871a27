/** What a contract check reports: the rules a table broke and sample rows. */

/** Rows shown per violation. */
export const SAMPLE_ROWS = 5;

/** A row that broke a rule: its line in the file and the offending value(s). */
export interface ViolationRow {
  line: number;
  value?: string | null;
  values?: Record<string, string>;
  /** For a repeated unique value: the line where it first appeared. */
  firstLine?: number;
}

/** One rule a table broke. */
export interface ContractViolation {
  rule: 'columns' | 'type' | 'nullable' | 'unique' | 'min' | 'max' | 'allowed' | 'pattern' | 'rows' | 'max_change' | 'freshness';
  column?: string;
  expected: string;
  found: string;
  /** How many rows broke it (when it is a per-row rule). */
  count?: number;
  /** The first few offending rows. */
  rows: ViolationRow[];
}
