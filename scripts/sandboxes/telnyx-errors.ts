/**
 * The Telnyx sandbox's errors, in Telnyx's shape: {errors: [{code, title, detail?, source?, meta: {url}}]}
 * (numbers_Errors / documents_Errors of ../shared/contracts/telnyx/spec3.yml).
 */
export const DEFAULT_FAULTS: Record<number, [string, string]> = {
  400: ['10015', 'Bad Request'],
  401: ['10009', 'Authentication failed'],
  403: ['10010', 'Authorization failed'],
  404: ['10005', 'Resource not found'],
  409: ['10012', 'Duplicate resource'],
  422: ['10015', 'Bad Request'],
  429: ['10011', 'Too many requests'],
  500: ['10007', 'Unexpected error'],
  502: ['10007', 'Unexpected error'],
  503: ['10007', 'Unexpected error'],
  504: ['10008', 'Request timeout'],
};

export interface ErrorItem {
  code: string;
  title: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
}

export class ApiError extends Error {
  readonly errors: ErrorItem[];
  constructor(
    readonly status: number,
    code: string,
    title: string,
    detail?: string,
    source?: ErrorItem['source'],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.errors = [{ code, title, ...(detail !== undefined ? { detail } : {}), ...(source ? { source } : {}) }];
  }
}

export const errorBody = (errors: ErrorItem[]) => ({
  errors: errors.map((e) => ({ ...e, meta: { url: `https://developers.telnyx.com/docs/overview/errors/${e.code}` } })),
});

export const badRequest = (detail: string, source?: ErrorItem['source']) => new ApiError(422, '10015', 'Bad Request', detail, source);
export const missingParam = (parameter: string) => new ApiError(422, '10004', 'Missing required parameter', `The '${parameter}' parameter is required.`, { parameter });
export const notFound = (detail = 'The requested resource or URL could not be found.') => new ApiError(404, '10005', 'Resource not found', detail);
