// Layer probe: compiled by tests/unit/overlay/CMakeLists.txt against a chosen target's include path, with
// LIVESCOPE_PROBE_HEADER naming one header. The overlay's probes must fail to compile (it cannot see player,
// protocol or room headers); the same probe against the header's own library must compile.
#include LIVESCOPE_PROBE_HEADER

int LivescopeLayerProbe() { return 0; }
