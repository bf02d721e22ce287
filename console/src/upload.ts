/** A multipart upload with progress (fetch reports none): the API's answer, parsed like openapi-fetch's. */
import { toProblem, type Result } from './client';

export function uploadWithProgress<T>(url: string, token: string, file: File, onProgress: (percent: number) => void): Promise<Result<T>> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      const response = new Response(null, { status: xhr.status });
      resolve(xhr.status >= 200 && xhr.status < 300 ? { ok: true, data: body as T, status: xhr.status, response } : { ok: false, problem: toProblem(xhr.status, body) });
    };
    xhr.onerror = () => resolve({ ok: false, problem: { status: 0, code: 'NETWORK', message: 'The upload could not reach the API', fields: {} } });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
