// Decode tests' media: reads a file the build generated under LIVESCOPE_TEST_MEDIA (tests/unit/player/decode/CMakeLists.txt).
#pragma once
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// The whole file `name` (relative to the media folder); the test fails when it cannot be opened.
inline std::vector<uint8_t> ReadMedia(const std::string& name)
{
    std::ifstream f(std::string(LIVESCOPE_TEST_MEDIA) + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(f.good(), name);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
