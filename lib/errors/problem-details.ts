/** One field-level validation error inside a `VALIDATION_FAILED` problem. */
export interface FieldError {
  /** The request field (dot path for nested fields). */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/** An RFC 9457 problem document as the module writes it (`application/problem+json`). */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** Machine-readable error code from the catalogue. */
  code: string;
  /** Field errors, for `VALIDATION_FAILED`. */
  errors?: FieldError[];
  /** Extension members (e.g. the OAuth 2.0 `error` and `error_description`). */
  [extension: string]: unknown;
}
