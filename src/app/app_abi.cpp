// The record schema both wasm modules export (ls_abi_schema): field names in array order, from app_abi.h.
#include <livescope/app/app_abi.h>

#include <livescope/app/app_export.h>

namespace livescope {

const char* AbiSchemaJson()
{
#define LS_ABI_NAME(name, js) "\"" js "\","
#define LS_ABI_RECORD(type, js, list) "\"" js "\":[" list(LS_ABI_NAME) "\"\"],"
    // Each list ends with an empty name (a trailing comma is not JSON); the reader drops it.
    static const char* const kSchema = "{" LS_ABI_RECORDS(LS_ABI_RECORD) "\"\":[]}";
#undef LS_ABI_RECORD
#undef LS_ABI_NAME
    return kSchema;
}

} // namespace livescope

LS_EXPORT const char* ls_abi_schema() { return livescope::AbiSchemaJson(); }
