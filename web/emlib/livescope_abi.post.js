// livescope wasm interface helpers, appended (--post-js) to both modules (livescope_page, livescope_worker):
// the one place JS reads a typed record or passes a string into the wasm heap.
//
//   mod.abiRecord(name, ptr)  the record at `ptr` (an array of doubles laid out by src/app/app_abi.h) as an
//                             object with the field names the module's ls_abi_schema() gives; null for ptr 0
//   mod.withUtf8(text, fn)    calls fn(ptr) with `text` as a NUL-terminated UTF-8 string in the heap, frees it
//                             after, and returns what fn returned
Module['abiRecord'] = function (name, ptr) {
  if (!ptr) return null;
  if (!Module.abiSchema) {
    const raw = JSON.parse(Module['UTF8ToString'](Module['_ls_abi_schema']()));
    Module.abiSchema = {};
    for (const key in raw) if (key) Module.abiSchema[key] = raw[key].filter((f) => f);
  }
  const names = Module.abiSchema[name];
  const base = ptr >> 3, heap = Module['HEAPF64']; // the current view (the heap may have grown)
  const out = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = heap[base + i];
  return out;
};
Module['withUtf8'] = function (text, fn) {
  const s = String(text), len = Module['lengthBytesUTF8'](s) + 1, ptr = Module['_malloc'](len);
  Module['stringToUTF8'](s, ptr, len);
  try { return fn(ptr); } finally { Module['_free'](ptr); }
};
