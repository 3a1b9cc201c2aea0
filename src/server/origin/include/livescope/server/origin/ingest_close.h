// Pure: how a refused publisher's WebSocket is closed. A browser's WebSocket cannot read an HTTP refusal, so the origin
// accepts the upgrade and closes at once with a 4xxx close code and a short reason (the codes: docs/ingest.md).
#pragma once
#include <string>
#include <string_view>

namespace livescope {

// The close code for a refusal with HTTP status `status` and one-line `message` (as AdmitPublisher answers): 4000 +
// the status (4400 bad name, 4401 bad or missing key, 4403 not this broadcast's broadcaster key, 4409 a publisher is
// already connected, 4503 the origin takes no publisher now), except 4410 for an expired key and 4429 past
// --max-broadcasts. Anything else outside 400..599 is 4500.
int IngestCloseCode(int status, std::string_view message);

// `message` cut to what a close frame carries (123 bytes), without splitting a UTF-8 character.
std::string IngestCloseReason(std::string_view message);

// The Sec-WebSocket-Protocol to answer a refused handshake with, so that a browser completes it and reads the close
// code: "livescope-ingest" when offered, else the first offered protocol (the key itself), else empty.
std::string IngestRefusalSubprotocol(std::string_view protocols);

} // namespace livescope
