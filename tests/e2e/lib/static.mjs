// e2e helper: the static file server for the repo (web/, shell/, examples/, build/wasm/). It lives in
// scripts/lib/static.mjs (one MIME table and one file handler, shared with scripts/demo-server.mjs).
export { serveStatic, MIME_TYPES, mimeType } from '../../../scripts/lib/static.mjs';
