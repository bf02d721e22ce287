import { AppError } from './errors.js';

/**
 * The one `file` part of a multipart/form-data upload (the body as received, with its content type):
 * 415 for another media type, 400 for a body that is not multipart or has no `file` part.
 * `what` names the file in the messages ("the LOA", "the document").
 */
export async function readFilePart(raw: { body: Buffer; contentType?: string }, what: string, hint = ''): Promise<File> {
  if (!raw.contentType?.toLowerCase().startsWith('multipart/form-data')) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Upload ${what} as multipart/form-data with a "file" part${hint}`);
  }
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(raw.body), { headers: { 'content-type': raw.contentType } }).formData();
  } catch {
    throw new AppError('VALIDATION_ERROR', 'The multipart body could not be read', { issues: [{ path: 'body', message: 'malformed multipart' }] });
  }
  const file = form.get('file');
  if (!file || typeof file === 'string') {
    throw new AppError('VALIDATION_ERROR', `A "file" part with ${what} is required`, { issues: [{ path: 'body.file', message: 'missing' }] });
  }
  return file;
}
