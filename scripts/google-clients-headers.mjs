// Injected into the Google clients' bundle (scripts/build-functions.ts): their `Headers` and `FormData`
// are node-fetch's, the fetch gaxios makes their requests with. The global ones would load Node's own
// copy of undici at the first Firestore call of every cold start (about 20 ms of CPU), for a class
// node-fetch does not take anyway (it sends its own FormData, not undici's).
export { FormData, Headers } from 'node-fetch';
