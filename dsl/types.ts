/** Shared author-facing types. */
type Unit = "ms" | "s" | "m" | "h" | "d";
/** A duration: seconds as a number, or text like `"90s"`, `"10m"`, `"1h30m"`. */
export type Duration = number | `${number}${Unit}` | `${number}${Unit}${number}${Unit}`;
export type MatrixValue = string | number | boolean;
export type Percent = number;
